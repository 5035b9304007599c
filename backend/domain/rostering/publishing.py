"""Publish a solved roster: rewrite the assignments of visits not yet started, and record the diff.

The previous rota is whatever the assignment rows say at publication. Visits that started,
were cancelled or missed since the solve keep their assignments and are listed as skipped.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from litestar.exceptions import ClientException, NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.audit.services import record
from backend.domain.rostering.models import RosterJob, RosterJobStatus
from backend.domain.rostering.repositories import RosterJobRepository
from backend.domain.visits.models import Visit, VisitAssignment, VisitEvent
from backend.domain.visits.repositories import VisitAssignmentRepository, VisitEventRepository, VisitRepository
from backend.security.principal import Principal
from shared.enums import VisitEventKind, VisitStatus
from shared.timekeeping import utc_now

AUDITED_CHANGES = 1000  # the audit row keeps this many per-visit changes; the job keeps them all


class ConflictException(ClientException):
    """The roster cannot be published in its current state."""

    status_code = 409


async def publish(session: AsyncSession, principal: Principal, roster_id: int) -> RosterJob:
    """Assign the roster's not-yet-started visits as solved; store and audit what changed."""
    repo = RosterJobRepository(session, principal.scope)
    job = await repo.get(roster_id)
    if job is None:
        raise NotFoundException(f"no roster {roster_id}")
    if job.status != RosterJobStatus.DONE:
        raise ConflictException(f"roster {roster_id} is {job.status}; only a finished roster can be published")
    now = utc_now()
    taken = await repo.update_where({"published_at": now, "published_by": principal.user_id},
                                    RosterJob.id == roster_id, RosterJob.published_at.is_(None))  # type: ignore[union-attr]
    if taken != 1:
        raise ConflictException(f"roster {roster_id} is already published")
    previous = await _previous_publication(repo, job)
    changes: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    considered = 0
    for day in job.result.get("days", []):
        wanted = {int(v): sorted(c) for v, c in day["assignments"].items()}
        considered += len(wanted)
        day_changes, day_skipped = await _apply(session, principal, job.provider_id, wanted)
        changes += day_changes
        skipped += day_skipped
    gained = Counter(c for ch in changes for c in set(ch["after"]) - set(ch["before"]))
    lost = Counter(c for ch in changes for c in set(ch["before"]) - set(ch["after"]))
    summary = {
        "visits_considered": considered,
        "changed": len(changes),
        "unchanged": considered - len(changes) - len(skipped),
        "newly_unassigned": sum(1 for ch in changes if not ch["after"]),
        "skipped": len(skipped),
        "carers_gaining_visits": len(gained),
        "carers_losing_visits": len(lost),
    }
    job.diff = {
        "previous_roster_id": previous, "summary": summary, "changes": changes, "skipped": skipped,
        "carers": {str(c): {"gained": gained[c], "lost": lost[c]} for c in sorted(set(gained) | set(lost))},
    }
    job.published_at, job.published_by = now, principal.user_id
    record(session, principal, "roster.published", "roster", roster_id, provider_id=job.provider_id, detail={
        "date": job.roster_date.isoformat(), "days": job.days, "previous_roster_id": previous,
        "summary": summary, "changes": changes[:AUDITED_CHANGES], "skipped": skipped[:AUDITED_CHANGES],
    })
    await session.flush()
    return job


async def _previous_publication(repo: RosterJobRepository, job: RosterJob) -> int | None:
    rows = await repo.list(
        RosterJob.roster_date == job.roster_date, RosterJob.published_at.is_not(None), RosterJob.id != job.id,  # type: ignore[arg-type,union-attr]
        order_by=RosterJob.published_at.desc(), limit=1,  # type: ignore[union-attr]
    )
    return rows[0].id if rows else None


async def _apply(
    session: AsyncSession, principal: Principal, provider_id: int, wanted: dict[int, list[int]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rewrite the assignments of the ``wanted`` visits that may still change; returns (changes, skipped)."""
    if not wanted:
        return [], []
    scope = principal.scope
    ids = list(wanted)
    visits = {v.id: v for v in await VisitRepository(session, scope).list(Visit.id.in_(ids))}  # type: ignore[union-attr]
    assignments_repo = VisitAssignmentRepository(session, scope)
    current: dict[int, list[VisitAssignment]] = {i: [] for i in ids}
    for row in await assignments_repo.list(VisitAssignment.visit_id.in_(ids)):  # type: ignore[attr-defined]
        current[row.visit_id].append(row)
    checked_in = {
        e.visit_id for e in await VisitEventRepository(session, scope).list(
            VisitEvent.visit_id.in_(ids), VisitEvent.kind == VisitEventKind.CHECK_IN)  # type: ignore[attr-defined]
    }
    changes, skipped = [], []
    for visit_id in sorted(ids):
        visit = visits.get(visit_id)
        before = sorted(a.carer_id for a in current[visit_id])
        if visit is None or visit.status != VisitStatus.PLANNED or visit_id in checked_in:
            state = "deleted" if visit is None else ("started" if visit_id in checked_in else str(visit.status))
            skipped.append({"visit_id": visit_id, "reason": f"visit is {state}", "carers": before})
            continue
        after = wanted[visit_id]
        if before == after:
            continue
        keep = set(after)
        for row in current[visit_id]:
            if row.carer_id not in keep:
                await session.delete(row)
        await session.flush()
        for carer_id in sorted(keep - set(before)):
            await assignments_repo.add(VisitAssignment(provider_id=provider_id, visit_id=visit_id, carer_id=carer_id))
        changes.append({
            "visit_id": visit_id, "client_id": visit.client_id, "planned_start": visit.planned_start.isoformat(),
            "before": before, "after": after,
        })
    return changes, skipped

