"""Amendments: corrections after the fact, appended and approved, never overwriting the record.

An amendment must make sense before anyone can approve it: it changes something, its end comes after
its start, its times lie within the visit's day in London give or take :data:`MARGIN` and not in the
future, its reason code is one of :class:`~shared.enums.AmendmentReason` (``other`` with a comment),
and a visit it marks completed has an actual start and end. It is checked when proposed and again
when approved, against the record as it then stands (checks plus approved amendments).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.audit.services import record
from backend.domain.people.repositories import CarerRepository
from backend.domain.visits.access import visit_for
from backend.domain.visits.carer_actions import Conflict, Unprocessable
from backend.domain.visits.models import Amendment, Visit
from backend.domain.visits.repositories import AmendmentRepository, VisitEventRepository, VisitRepository
from backend.domain.visits.schemas import AmendmentChanges, AmendmentOut, AmendmentRequest
from backend.security.principal import Principal
from shared.enums import AmendmentReason, AmendmentState, VisitEventKind, VisitStatus
from shared.timekeeping import LONDON, utc_now

# How far outside the visit's London day an amended time may lie: a late-evening visit ends after
# midnight, an early one may start before it; anything further is a typo (a wrong day or year).
MARGIN = timedelta(hours=6)

Times = dict[int | None, list[datetime | None]]  # carer -> [start, end] as the record stands


def amendment_out(a: Amendment) -> AmendmentOut:
    """An amendment as the API shows it."""
    return {
        "id": a.id or 0, "visit_id": a.visit_id, "state": a.state, "reason_code": a.reason_code, "comment": a.comment,
        "changes": a.changes, "original": a.original, "author_id": a.author_id, "approver_id": a.approver_id,
        "created_at": a.created_at, "decided_at": a.decided_at,
    }


async def propose(session: AsyncSession, principal: Principal, visit_id: int, request: AmendmentRequest) -> Amendment:
    """Record a pending amendment with a snapshot of what it corrects."""
    visit = await visit_for(session, principal, visit_id)
    events = await VisitEventRepository(session, principal.scope).checks_of([visit_id])
    await _validate(session, principal, visit, request)
    original = {
        "status": str(visit.status),
        "checks": [{"carer_id": e.carer_id, "kind": str(e.kind), "at": e.device_time.isoformat()} for e in events],
    }
    amendment = Amendment(
        provider_id=visit.provider_id, visit_id=visit_id, author_id=principal.user_id,
        reason_code=request.reason_code, comment=request.comment,
        changes=msgspec.to_builtins(request.changes), original=original,
    )
    await AmendmentRepository(session, principal.scope).add(amendment)
    record(session, principal, "amendment.propose", "amendment", amendment.id, provider_id=visit.provider_id,
           detail={"visit_id": visit_id, "changes": amendment.changes})
    return amendment


async def decide(session: AsyncSession, principal: Principal, amendment_id: int, approve: bool) -> Amendment:
    """Approve or reject a pending amendment; approval applies a status change to the visit."""
    amendment = await AmendmentRepository(session, principal.scope).get(amendment_id)
    if amendment is None:
        raise NotFoundException(f"no amendment {amendment_id}")
    if amendment.state != AmendmentState.PENDING:
        raise Conflict(f"amendment {amendment_id} was already {amendment.state}")
    if amendment.author_id == principal.user_id:
        raise PermissionDeniedException("an amendment needs a second person to approve or reject it")
    visit = await VisitRepository(session, principal.scope).get(amendment.visit_id)
    assert visit is not None
    if approve:
        await _validate(session, principal, visit, _as_request(amendment))
    amendment.state = AmendmentState.APPROVED if approve else AmendmentState.REJECTED
    amendment.approver_id = principal.user_id
    amendment.decided_at = utc_now()
    new_status = amendment.changes.get("status")
    if approve and new_status:
        visit.status = VisitStatus(new_status)
    record(session, principal, f"amendment.{amendment.state}", "amendment", amendment_id, provider_id=amendment.provider_id)
    return amendment


def _as_request(amendment: Amendment) -> AmendmentRequest:
    """A stored amendment as the request it would be today (one stored before the rules fails them: reject it)."""
    try:
        return msgspec.convert({"reason_code": amendment.reason_code, "changes": amendment.changes,
                                "comment": amendment.comment}, AmendmentRequest)
    except msgspec.ValidationError as exc:
        raise Unprocessable(f"amendment {amendment.id} cannot be approved as it stands ({exc}); reject it") from None


async def _validate(session: AsyncSession, principal: Principal, visit: Visit, request: AmendmentRequest) -> None:
    """Refuse (422) an amendment that changes nothing, is implausible, or leaves a completed visit without times."""
    changes = request.changes
    if request.reason_code == AmendmentReason.OTHER and not request.comment.strip():
        raise Unprocessable("reason code 'other' needs a comment saying what happened")
    _check_bounds(visit, changes)
    if changes.carer_id is not None:
        carer = await CarerRepository(session, principal.scope).get(changes.carer_id)
        if carer is None or carer.provider_id != visit.provider_id:
            raise Unprocessable(f"carer {changes.carer_id} is not a carer of this visit's provider")
    current = await _current_times(session, principal, visit)
    proposed = _apply(current, changes.carer_id, changes.actual_start, changes.actual_end)
    for start, end in proposed.values():
        if start is not None and end is not None and end <= start:
            raise Unprocessable(f"the end ({_london(end)}) must be after the start ({_london(start)})")
    new_status = changes.status if changes.status != visit.status else None
    if new_status is None and proposed == current:
        raise Unprocessable("the amendment changes nothing: give a status or times that differ from the record")
    if changes.status == VisitStatus.COMPLETED and not any(s and e for s, e in proposed.values()):
        raise Unprocessable("a visit marked completed needs its actual start and end (from the checks or this amendment)")


def _check_bounds(visit: Visit, changes: AmendmentChanges) -> None:
    """Amended times within the visit's London day give or take :data:`MARGIN`, and not in the future."""
    earliest = datetime.combine(visit.visit_date, time(0), LONDON) - MARGIN
    latest = datetime.combine(visit.visit_date + timedelta(days=1), time(0), LONDON) + MARGIN
    now = utc_now()
    for name, moment in (("actual_start", changes.actual_start), ("actual_end", changes.actual_end)):
        if moment is None:
            continue
        if not earliest <= moment <= latest:
            raise Unprocessable(
                f"{name} {_london(moment)} is too far from the visit's day ({visit.visit_date:%a %-d %b %Y}, "
                f"London time, give or take {MARGIN.total_seconds() / 3600:.0f} h)"
            )
        if moment > now:
            raise Unprocessable(f"{name} {_london(moment)} is in the future")


async def _current_times(session: AsyncSession, principal: Principal, visit: Visit) -> Times:
    """Each carer's start and end as the record stands: first check-in, last check-out, then approved amendments."""
    times: Times = {}
    for event in await VisitEventRepository(session, principal.scope).checks_of([visit.id or 0]):
        slot = times.setdefault(event.carer_id, [None, None])
        if event.kind == VisitEventKind.CHECK_IN:
            slot[0] = slot[0] or event.device_time
        else:
            slot[1] = event.device_time
    approved = await AmendmentRepository(session, principal.scope).list(
        Amendment.visit_id == visit.id, Amendment.state == AmendmentState.APPROVED,
        order_by=(Amendment.decided_at, Amendment.id),
    )
    for amendment in approved:
        changes: dict[str, Any] = amendment.changes or {}
        times = _apply(times, changes.get("carer_id"), _moment(changes.get("actual_start")), _moment(changes.get("actual_end")))
    return times


def _apply(times: Times, carer_id: int | None, start: datetime | None, end: datetime | None) -> Times:
    """The times after setting ``start``/``end`` for one carer, or for every carer when none is named."""
    result = {carer: list(slot) for carer, slot in times.items()}
    if start is None and end is None:
        return result
    targets = [carer_id] if carer_id is not None else list(result) or [None]
    for carer in targets:
        slot = result.setdefault(carer, [None, None])
        slot[0] = start or slot[0]
        slot[1] = end or slot[1]
    return result


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _london(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%-d %b %Y %H:%M")
