"""Read models for the carer's day and the supervisor's board."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import attrgetter
from typing import Any

import msgspec

from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.alerts.schemas import alert_summary
from backend.domain.people.models import Carer, Client
from backend.domain.people.repositories import ClientRepository
from backend.domain.visits.models import Visit, VisitEvent
from backend.domain.visits.repositories import (
    RotaRepository,
    VisitAssignmentRepository,
    VisitEventRepository,
    VisitRepository,
)
from backend.domain.visits.schemas import (
    Board,
    BoardVisit,
    Person,
    RecordedOutcome,
    RotaVisit,
    VisitNoteOut,
    WaitingFor,
)
from backend.domain.visits.visit_state import CHECK_KINDS, board_state, visit_verified
from backend.pagination import Page, PageParams
from shared.enums import AlertState, VisitEventKind, VisitStatus
from shared.visit_actions import ActionKind

BOARD_STATES = ("late", "missed", "unverified", "in_progress", "not_started", "completed", "cancelled")


class VisitContext:
    """Visits of a day with their clients, carers and check events, loaded in four queries."""

    def __init__(self, visits: Sequence[Visit]) -> None:
        self.visits = list(visits)
        self.clients: dict[int, Client] = {}
        self.carers_of: dict[int, list[Carer]] = defaultdict(list)
        self.events_of: dict[int, list[VisitEvent]] = defaultdict(list)

    async def load(self, session: AsyncSession, scope: TenantScope,
                   kinds: tuple[VisitEventKind, ...] = CHECK_KINDS) -> VisitContext:
        ids = [v.id for v in self.visits if v.id is not None]
        if not ids:
            return self
        self.clients = await ClientRepository(session, scope).by_ids({v.client_id for v in self.visits})
        for visit_id, carer in await VisitAssignmentRepository(session, scope).carers_of(ids):
            self.carers_of[visit_id].append(carer)
        if not kinds:
            return self
        for event in await VisitEventRepository(session, scope).of_kinds(ids, kinds):
            self.events_of[event.visit_id].append(event)
        return self


def _person(carer: Carer) -> Person:
    return {"id": carer.id or 0, "name": carer.name}


class _Event(msgspec.Struct):
    """A check-in, check-out or note on a rota visit, as :meth:`RotaRepository.rows` reads it."""

    carer_id: int
    kind: str
    device_time: datetime
    payload: dict[str, Any]
    verified: bool | None
    review_state: str | None


_decode = msgspec.json.Decoder().decode  # JSON columns read as text: decoded as they were stored


def _checks(events: list[_Event]) -> dict[int, dict[str, datetime]]:
    """Each carer's check-in and check-out times on one visit."""
    checks: dict[int, dict[str, datetime]] = defaultdict(dict)
    for event in events:
        if event.kind in CHECK_KINDS:
            checks[event.carer_id][event.kind] = event.device_time
    return checks


def _waiting_for(status: str, carers: list[Person], me: int, checks: dict[int, dict[str, datetime]]) -> list[WaitingFor]:
    """The other carers of a visit still to check in or out, while the visit is open."""
    if status not in (VisitStatus.PLANNED, VisitStatus.IN_PROGRESS):
        return []
    waiting: list[WaitingFor] = []
    for carer in carers:
        done = checks.get(carer["id"], {})
        if carer["id"] == me or VisitEventKind.CHECK_OUT in done:
            continue
        step = ActionKind.CHECK_OUT if VisitEventKind.CHECK_IN in done else ActionKind.CHECK_IN
        waiting.append({"id": carer["id"], "name": carer["name"], "to": step})
    return waiting


def _recorded(events: list[_Event], names: dict[int, str]) -> tuple[list[RecordedOutcome], list[RecordedOutcome], list[VisitNoteOut]]:
    """Outcomes and case notes recorded at the visit by any of its carers, as the server holds them."""
    tasks: list[RecordedOutcome] = []
    medications: list[RecordedOutcome] = []
    notes: list[VisitNoteOut] = []
    for event in events:
        carer: Person = {"id": event.carer_id, "name": names.get(event.carer_id, "another carer")}
        payload = event.payload or {}
        if event.kind == VisitEventKind.NOTE:
            notes.append({"at": event.device_time, "text": str(payload.get("text", "")), "carer": carer})
        elif event.kind == VisitEventKind.CHECK_OUT:
            for item in payload.get("task_outcomes", []):
                tasks.append({"id": str(item["task_id"]), "outcome": item["outcome"], "note": item.get("note", ""), "carer": carer})
            for item in payload.get("medication_outcomes", []):
                medications.append({"id": str(item["medication_id"]), "outcome": item["outcome"],
                                    "note": item.get("note", ""), "carer": carer})
    return tasks, medications, notes


def _rota_visit(row: Any, carers: list[Person], events: list[_Event], carer_id: int) -> RotaVisit:
    """One visit of the carer's day from its first row, its carers and its events."""
    checks = _checks(events)
    mine = checks.get(carer_id, {})
    tasks, medications, notes = _recorded(events, {c["id"]: c["name"] for c in carers})
    return {
        "id": row.id,
        "client": {
            "id": row.client_id, "name": row.client_name, "address": f"{row.address} {row.postcode}",
            "location": {"lat": row.lat, "lon": row.lon}, "access_notes": row.access_notes,
        },
        "planned_start": row.planned_start, "planned_end": row.planned_end, "carers_needed": row.carers_needed,
        "co_carers": [
            {**c, "checked_in": checks.get(c["id"], {}).get(VisitEventKind.CHECK_IN),
             "checked_out": checks.get(c["id"], {}).get(VisitEventKind.CHECK_OUT)}
            for c in carers if c["id"] != carer_id
        ],
        "tasks": _decode(row.tasks), "medications": _decode(row.medications), "status": row.status,
        "verified": visit_verified(events),  # type: ignore[arg-type]
        "my_check_in": mine.get(VisitEventKind.CHECK_IN), "my_check_out": mine.get(VisitEventKind.CHECK_OUT),
        "waiting_for": _waiting_for(row.status, carers, carer_id, checks),
        "task_outcomes": tasks, "medication_outcomes": medications, "notes": notes,
    }


async def carer_rota(session: AsyncSession, scope: TenantScope, carer_id: int, day: date) -> list[RotaVisit]:
    """The carer's visits on ``day`` in planned order, as the app shows them.

    Each visit carries what the server knows, whoever recorded it: the co-carers' check times
    and who is still awaited, outcomes recorded at check-out and the case notes. One read
    (:class:`RotaRepository`): a visit's rows are its carers, then its events in device-time order.
    """
    rota: list[RotaVisit] = []
    for _visit_id, group in groupby(await RotaRepository(session, scope).rows(carer_id, day), attrgetter("id")):
        rows = list(group)
        carers: list[Person] = [{"id": r.carer_id, "name": r.carer_name} for r in rows if r.part == 0]
        events = [_Event(r.carer_id, r.kind, r.device_time, _decode(r.payload), r.verified, r.review_state)
                  for r in rows if r.part == 1]
        rota.append(_rota_visit(rows[0], carers, events, carer_id))
    return rota


async def supervisor_board(session: AsyncSession, scope: TenantScope, day: date, now: datetime, tolerance: timedelta,
                           visits_page: PageParams, alerts_page: PageParams) -> Board:
    """Every visit of the provider on ``day`` with its live state, the counts per state and open alerts, each paged."""
    # Every visit's state counts, so the whole day is read, but lightly: plain rows and one verdict per visit.
    # Names and carers are read for the page shown only.
    day_rows = await VisitRepository(session, scope).board_rows(day)
    counts = dict.fromkeys(BOARD_STATES, 0)
    states = []
    for _visit_id, _client, start, end, status, _late, _after_missed, verified in day_rows:
        state = board_state(status, start, end, None if verified is None else bool(verified), now, tolerance)
        counts[state] += 1
        states.append(state)
    shown = list(zip(day_rows, states))[visits_page.offset : visits_page.offset + visits_page.limit]
    ids = [row[0] for row, _state in shown]
    clients = await ClientRepository(session, scope).names_of({row[1] for row, _state in shown})
    carers_of: dict[int, list[Person]] = defaultdict(list)
    for visit_id, carer in await VisitAssignmentRepository(session, scope).carers_of(ids):
        carers_of[visit_id].append(_person(carer))
    rows: list[BoardVisit] = [
        {
            "id": visit_id, "client": {"id": client_id, "name": clients.get(client_id, "")},
            "planned_start": start, "planned_end": end, "carers": carers_of[visit_id], "state": state,
            "status": status, "verified": None if verified is None else bool(verified), "late_start_minutes": late,
            "delivered_after_missed": bool(after_missed),
        }
        for (visit_id, client_id, start, end, status, late, after_missed, verified), state in shown
    ]
    alerts = AlertRepository(session, scope)
    open_alerts = Alert.state != AlertState.RESOLVED
    page = await alerts.list(open_alerts, order_by=Alert.created_at.desc(),  # type: ignore[attr-defined]
                             limit=alerts_page.limit, offset=alerts_page.offset)
    return {
        "date": day, "counts": counts,  # type: ignore[typeddict-item]
        "visits": Page(rows, len(day_rows), visits_page.limit, visits_page.offset),
        "alerts": Page([alert_summary(a) for a in page], await alerts.count(open_alerts),
                       alerts_page.limit, alerts_page.offset),
    }
