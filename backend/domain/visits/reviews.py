"""Supervisor review of unverified check-ins and check-outs (manual, outside the geofence, bad tag)."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.audit.services import record
from backend.domain.people.models import Carer, Client
from backend.domain.visits.models import Visit, VisitEvent
from backend.domain.visits.repositories import VisitEventRepository
from backend.domain.visits.carer_actions import Conflict
from backend.domain.visits.schemas import ReviewDecision, ReviewOut
from backend.domain.visits.visit_state import CHECK_KINDS
from backend.security.principal import Principal
from shared.enums import AmendmentState
from shared.timekeeping import utc_now


def _pending_filters() -> list[Any]:
    return [VisitEvent.verified.is_(False), VisitEvent.review_state.is_(None), VisitEvent.kind.in_(CHECK_KINDS)]  # type: ignore[union-attr,attr-defined]


async def pending_reviews(session: AsyncSession, scope: TenantScope, limit: int, offset: int) -> tuple[list[ReviewOut], int]:
    """Unverified checks awaiting a decision, oldest first, with who and where."""
    repo = VisitEventRepository(session, scope)
    statement = (
        repo.select().where(*_pending_filters())
        .join(Visit, Visit.id == VisitEvent.visit_id).join(Client, Client.id == Visit.client_id)
        .join(Carer, Carer.id == VisitEvent.carer_id)
        .add_columns(Client.id, Client.name, Carer.name)
        .order_by(VisitEvent.device_time, VisitEvent.id).limit(limit).offset(offset)
    )
    items: list[ReviewOut] = [
        {
            "event_id": e.id or 0, "visit_id": e.visit_id, "carer": {"id": e.carer_id, "name": carer_name},
            "client": {"id": client_id, "name": client_name}, "kind": e.kind, "method": e.method,  # type: ignore[typeddict-item]
            "reason": e.reason, "distance_m": e.distance_m, "device_time": e.device_time,
        }
        for e, client_id, client_name, carer_name in (await session.execute(statement)).all()
    ]
    return items, await repo.count(*_pending_filters())


async def review(session: AsyncSession, principal: Principal, event_id: int, approve: bool) -> ReviewDecision:
    """Approve or reject one unverified check."""
    event = await VisitEventRepository(session, principal.scope).get(event_id)
    if event is None or event.kind not in CHECK_KINDS:
        raise NotFoundException(f"no check-in or check-out {event_id}")
    if event.verified:
        raise Conflict(f"event {event_id} was verified electronically and needs no review")
    if event.review_state is not None:
        raise Conflict(f"event {event_id} was already {event.review_state}")
    event.review_state = AmendmentState.APPROVED if approve else AmendmentState.REJECTED
    event.reviewed_by = principal.user_id
    event.reviewed_at = utc_now()
    record(session, principal, f"review.{event.review_state}", "visit_event", event_id, provider_id=event.provider_id)
    return {"event_id": event_id, "review_state": event.review_state}


