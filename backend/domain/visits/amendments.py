"""Amendments: corrections after the fact, appended and approved, never overwriting the record."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.audit.services import record
from backend.domain.visits.access import visit_for
from backend.domain.visits.carer_actions import Conflict
from backend.domain.visits.models import Amendment
from backend.domain.visits.repositories import AmendmentRepository, VisitEventRepository, VisitRepository
from backend.domain.visits.schemas import AmendmentOut, AmendmentRequest
from backend.security.principal import Principal
from shared.enums import AmendmentState, VisitStatus
from shared.timekeeping import utc_now


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
    amendment.state = AmendmentState.APPROVED if approve else AmendmentState.REJECTED
    amendment.approver_id = principal.user_id
    amendment.decided_at = utc_now()
    new_status = amendment.changes.get("status")
    if approve and new_status:
        visit = await VisitRepository(session, principal.scope).get(amendment.visit_id)
        assert visit is not None
        visit.status = VisitStatus(new_status)
    record(session, principal, f"amendment.{amendment.state}", "amendment", amendment_id, provider_id=amendment.provider_id)
    return amendment
