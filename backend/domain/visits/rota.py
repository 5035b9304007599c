"""Read models for the carer's day and the supervisor's board."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.alerts.schemas import alert_summary
from backend.domain.people.models import Carer, Client
from backend.domain.people.repositories import ClientRepository
from backend.domain.visits.models import Visit, VisitEvent
from backend.domain.visits.repositories import VisitAssignmentRepository, VisitEventRepository, VisitRepository
from backend.domain.visits.visit_state import board_state, visit_verified
from shared.enums import AlertState, VisitEventKind

BOARD_STATES = ("late", "missed", "unverified", "in_progress", "not_started", "completed", "cancelled")


class VisitContext:
    """Visits of a day with their clients, carers and check events, loaded in four queries."""

    def __init__(self, visits: Sequence[Visit]) -> None:
        self.visits = list(visits)
        self.clients: dict[int, Client] = {}
        self.carers_of: dict[int, list[Carer]] = defaultdict(list)
        self.events_of: dict[int, list[VisitEvent]] = defaultdict(list)

    async def load(self, session: AsyncSession, scope: TenantScope) -> VisitContext:
        ids = [v.id for v in self.visits if v.id is not None]
        if not ids:
            return self
        self.clients = await ClientRepository(session, scope).by_ids({v.client_id for v in self.visits})
        for visit_id, carer in await VisitAssignmentRepository(session, scope).carers_of(ids):
            self.carers_of[visit_id].append(carer)
        for event in await VisitEventRepository(session, scope).checks_of(ids):
            self.events_of[event.visit_id].append(event)
        return self


def _person(carer: Carer) -> dict[str, Any]:
    return {"id": carer.id, "name": carer.name}


async def carer_rota(session: AsyncSession, scope: TenantScope, carer_id: int, day: date) -> list[dict[str, Any]]:
    """The carer's visits on ``day`` in planned order, as the app shows them."""
    visits = await VisitRepository(session, scope).of_carer_on(carer_id, day)
    context = await VisitContext(visits).load(session, scope)
    rota = []
    for visit in context.visits:
        client = context.clients[visit.client_id]
        mine = {e.kind: e.device_time for e in context.events_of[visit.id or 0] if e.carer_id == carer_id}
        rota.append({
            "id": visit.id,
            "client": {
                "id": client.id, "name": client.name, "address": f"{client.address} {client.postcode}",
                "location": {"lat": client.lat, "lon": client.lon}, "access_notes": client.access_notes,
            },
            "planned_start": visit.planned_start, "planned_end": visit.planned_end,
            "carers_needed": visit.carers_needed,
            "co_carers": [_person(c) for c in context.carers_of[visit.id or 0] if c.id != carer_id],
            "tasks": visit.tasks, "medications": visit.medications, "status": str(visit.status),
            "verified": visit_verified(context.events_of[visit.id or 0]),
            "my_check_in": mine.get(VisitEventKind.CHECK_IN), "my_check_out": mine.get(VisitEventKind.CHECK_OUT),
        })
    return rota


async def supervisor_board(
    session: AsyncSession, scope: TenantScope, day: date, now: datetime, tolerance: timedelta, limit: int, offset: int
) -> dict[str, Any]:
    """Every visit of the provider on ``day`` with its live state, the counts per state and open alerts."""
    visits = await VisitRepository(session, scope).list(Visit.visit_date == day, order_by=(Visit.planned_start, Visit.id))
    context = await VisitContext(visits).load(session, scope)
    counts = dict.fromkeys(BOARD_STATES, 0)
    rows = []
    for visit in context.visits:
        state = board_state(visit, context.events_of[visit.id or 0], now, tolerance)
        counts[state] += 1
        client = context.clients[visit.client_id]
        rows.append({
            "id": visit.id, "client": {"id": client.id, "name": client.name},
            "planned_start": visit.planned_start, "planned_end": visit.planned_end,
            "carers": [_person(c) for c in context.carers_of[visit.id or 0]],
            "state": state, "status": str(visit.status), "verified": visit_verified(context.events_of[visit.id or 0]),
        })
    alerts = await AlertRepository(session, scope).list(
        Alert.state != AlertState.RESOLVED, order_by=Alert.created_at.desc(), limit=200  # type: ignore[attr-defined]
    )
    return {
        "date": day, "counts": counts, "total": len(rows), "limit": limit, "offset": offset,
        "visits": rows[offset : offset + limit],
        "alerts": [alert_summary(a) for a in alerts],
    }

