"""What carers wrote in their concerns, read by the supervisor: on the visit's record and from the alert.

A concern's text is as sensitive as a case note: it is never copied into the alert (whose message
only names the category and the carer), and every read is written to the audit log. Only supervisors
and provider admins read it (the controllers' guard); commissioners never do.
"""

from __future__ import annotations

from collections.abc import Sequence

from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.audit.services import record
from backend.domain.people.models import Carer
from backend.domain.people.repositories import CarerRepository
from backend.domain.visits.access import visit_for
from backend.domain.visits.models import VisitEvent
from backend.domain.visits.repositories import VisitEventRepository
from backend.domain.visits.schemas import ConcernOut
from backend.security.principal import Principal
from shared.enums import AlertKind, VisitEventKind

ALERT_KEY_PREFIX = "concern-"  # a concern's alert is deduplicated on its idempotency key


def alert_key(idempotency_key: str) -> str:
    """The dedupe key of the alert a concern raises."""
    return f"{ALERT_KEY_PREFIX}{idempotency_key}"


async def visit_concerns(session: AsyncSession, principal: Principal, visit_id: int, limit: int,
                         offset: int) -> tuple[list[ConcernOut], int]:
    """A page of the visit's concerns, oldest first, with their text; the read is audited."""
    visit = await visit_for(session, principal, visit_id)
    repo = VisitEventRepository(session, principal.scope)
    filters = (VisitEvent.visit_id == visit_id, VisitEvent.kind == VisitEventKind.CONCERN)
    events = await repo.list(*filters, order_by=(VisitEvent.device_time, VisitEvent.id), limit=limit, offset=offset)
    items = await _concerns_out(session, principal, events)
    record(session, principal, "concerns.read", "visit", visit_id, provider_id=visit.provider_id,
           detail={"event_ids": [item["event_id"] for item in items]})
    return items, await repo.count(*filters)


async def alert_concern(session: AsyncSession, principal: Principal, alert_id: int) -> ConcernOut:
    """The concern behind a concern alert, with its text; the read is audited."""
    alert = await AlertRepository(session, principal.scope).get(alert_id)
    if alert is None:
        raise NotFoundException(f"no alert {alert_id}")
    if alert.kind != AlertKind.CONCERN or alert.visit_id is None or not alert.dedupe_key.startswith(ALERT_KEY_PREFIX):
        raise NotFoundException(f"alert {alert_id} is not a concern raised at a visit")
    event = await VisitEventRepository(session, principal.scope).first(
        VisitEvent.visit_id == alert.visit_id, VisitEvent.kind == VisitEventKind.CONCERN,
        VisitEvent.idempotency_key == alert.dedupe_key.removeprefix(ALERT_KEY_PREFIX),
    )
    if event is None:
        raise NotFoundException(f"the concern of alert {alert_id} is no longer kept")
    (concern,) = await _concerns_out(session, principal, [event])
    record(session, principal, "concerns.read", "alert", alert_id, provider_id=alert.provider_id,
           detail={"event_ids": [concern["event_id"]], "visit_id": alert.visit_id})
    return concern


async def _concerns_out(session: AsyncSession, principal: Principal, events: Sequence[VisitEvent]) -> list[ConcernOut]:
    carer_ids = {e.carer_id for e in events}
    names = {c.id: c.name for c in await CarerRepository(session, principal.scope).list(Carer.id.in_(carer_ids))}  # type: ignore[union-attr]
    keys = [alert_key(e.idempotency_key) for e in events]
    alerts = {a.dedupe_key: a.id for a in await AlertRepository(session, principal.scope).list(Alert.dedupe_key.in_(keys))} if keys else {}  # type: ignore[attr-defined]
    return [
        {
            "event_id": e.id or 0, "visit_id": e.visit_id, "alert_id": alerts.get(alert_key(e.idempotency_key)),
            "carer": {"id": e.carer_id, "name": names.get(e.carer_id, "a carer")}, "at": e.device_time,
            "category": str(e.payload.get("category", "")), "text": str(e.payload.get("text", "")),
        }
        for e in events
    ]
