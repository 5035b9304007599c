"""Read a provider's day(s) from the database into the rostering library's types.

Times become minutes since London midnight of the roster day (wall clock, so clock-change days
read as the rota shows them). Started visits (in progress, completed, or with a check-in) are
handed to the solver as fixed; cancelled and missed visits are left out, and so, in a re-roster,
are visits not started whose window closed before "now" (they keep their assignments).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.people.models import Carer, Client
from backend.domain.people.repositories import CarerRepository, ClientRepository
from backend.domain.visits.models import Visit, VisitAssignment, VisitEvent
from backend.domain.visits.repositories import VisitAssignmentRepository, VisitEventRepository, VisitRepository
from rostering import model as lib
from rostering.model import RosterOptions
from shared.enums import VisitEventKind, VisitStatus
from shared.timekeeping import LONDON, london_to_utc, to_london

from backend.domain.rostering.solving import DayInput, SolveRequest

HISTORY_DAYS = 7
LEFT_OUT = (VisitStatus.CANCELLED, VisitStatus.MISSED)
STARTED = (VisitStatus.IN_PROGRESS, VisitStatus.COMPLETED)
WEIGHT_FIELDS = {
    "travel": "travel_weight", "tardiness": "tardiness_weight", "max_tardiness": "max_tardiness_weight",
    "overtime": "overtime_weight", "unassigned": "unassigned_penalty", "continuity": "continuity_weight",
}


def minute_of_day(day: date, moment: datetime) -> float:
    """Wall-clock minutes since London midnight of ``day`` (negative or past 1440 on other days)."""
    local = to_london(moment).replace(tzinfo=None)
    return (local - datetime(day.year, day.month, day.day)).total_seconds() / 60.0


def moment_of(day: date, minute: float) -> datetime:
    """The UTC instant of a wall-clock minute on the London day ``day``."""
    whole = int(minute // 1)
    return london_to_utc(day, whole) + timedelta(minutes=minute - whole)


@dataclass
class DayContext:
    """One day's database rows behind the solver input, for reading the solution back."""

    day: date
    visits: dict[int, Visit] = field(default_factory=dict)
    started_ids: set[int] = field(default_factory=set)
    past_ids: set[int] = field(default_factory=set)
    current: dict[str, list[str]] = field(default_factory=dict)  # the rota in force for the visits being solved
    carers: dict[int, Carer] = field(default_factory=dict)


@dataclass
class LoadedRoster:
    """The solver request and what is needed to turn its answer into the API's result."""

    request: SolveRequest
    days: list[DayContext]


async def load_roster_input(
    session: AsyncSession, provider_id: int, params: dict[str, Any], now: datetime
) -> LoadedRoster:
    """The solver request for a roster job's parameters, read in the provider's scope."""
    scope = TenantScope.single(provider_id)
    first = date.fromisoformat(params["date"])
    day_count = int(params.get("days", 1))
    last = first + timedelta(days=day_count - 1)
    carers = list(await CarerRepository(session, scope).list(order_by=Carer.id))
    clients = {c.id: c for c in await ClientRepository(session, scope).list()}
    visits = await VisitRepository(session, scope).list(
        Visit.visit_date >= first, Visit.visit_date <= last, order_by=Visit.planned_start  # type: ignore[arg-type]
    )
    visit_ids = [v.id for v in visits]
    carers_of: dict[int, list[int]] = defaultdict(list)
    checked_in: dict[int, list[VisitEvent]] = defaultdict(list)
    if visit_ids:
        for a in await VisitAssignmentRepository(session, scope).list(VisitAssignment.visit_id.in_(visit_ids)):  # type: ignore[attr-defined]
            carers_of[a.visit_id].append(a.carer_id)
        events = await VisitEventRepository(session, scope).list(
            VisitEvent.visit_id.in_(visit_ids), VisitEvent.kind == VisitEventKind.CHECK_IN  # type: ignore[attr-defined]
        )
        for event in events:
            checked_in[event.visit_id].append(event)
    history = await _history(session, scope, first)

    lib_carers = tuple(_carer(c, params) for c in carers)
    unavailable = frozenset(str(i) for i in params.get("unavailable_carer_ids", []))
    days: list[DayInput] = []
    contexts: list[DayContext] = []
    for offset in range(day_count):
        day = first + timedelta(days=offset)
        context = DayContext(day, carers={c.id or 0: c for c in carers})
        lib_visits: list[lib.Visit] = []
        started: list[lib.StartedVisit] = []
        minute_now = None
        if offset == 0 and params.get("reroster"):
            minute_now = max(0.0, minute_of_day(day, now))
        for visit in visits:
            if visit.visit_date != day or visit.status in LEFT_OUT:
                continue
            vid = visit.id or 0
            lib_visit = _visit(day, visit, clients[visit.client_id], params)
            is_started = visit.status in STARTED or bool(checked_in[vid])
            if not is_started and minute_now is not None and lib_visit.latest < minute_now:
                context.past_ids.add(vid)  # its window closed before the re-roster: left as it is
                continue
            context.visits[vid] = visit
            lib_visits.append(lib_visit)
            if is_started:
                context.started_ids.add(vid)
                started.append(_started(day, visit, carers_of[vid], checked_in[vid]))
            else:
                context.current[str(vid)] = [str(c) for c in carers_of[vid]]
        days.append(DayInput(tuple(lib_visits), lib_carers, tuple(started), unavailable, minute_now))
        contexts.append(context)
    options = _options(params, carers, history)
    return LoadedRoster(SolveRequest(tuple(days), options, float(params.get("time_limit_s", 30)), options.history), contexts)


async def _history(session: AsyncSession, scope: TenantScope, first: date) -> dict[str, frozenset[str]]:
    """Client → carers who visited them in the week before the roster starts (continuity of care)."""
    statement = (
        VisitAssignmentRepository(session, scope).select()
        .join(Visit, Visit.id == VisitAssignment.visit_id)
        .where(Visit.visit_date >= first - timedelta(days=HISTORY_DAYS), Visit.visit_date < first,
               Visit.status.not_in([VisitStatus.CANCELLED]))  # type: ignore[attr-defined]
        .with_only_columns(Visit.client_id, VisitAssignment.carer_id)
    )
    seen: dict[str, set[str]] = defaultdict(set)
    for client_id, carer_id in (await session.execute(statement)).all():
        seen[str(client_id)].add(str(carer_id))
    return {client: frozenset(carers) for client, carers in seen.items()}


def _visit(day: date, visit: Visit, client: Client, params: dict[str, Any]) -> lib.Visit:
    start = minute_of_day(day, visit.planned_start)
    duration = (visit.planned_end - visit.planned_start).total_seconds() / 60.0
    return lib.Visit(
        id=str(visit.id),
        client_id=str(visit.client_id),
        location=lib.Location(client.lat, client.lon),
        earliest=max(0.0, start - params.get("window_before_minutes", 15)),
        latest=max(0.0, start + params.get("window_after_minutes", 15)),
        services=lib.same_care(max(0.0, duration), visit.skills, visit.carers_needed),
    )


def _carer(carer: Carer, params: dict[str, Any]) -> lib.Carer:
    home = lib.Location(carer.home_lat, carer.home_lon)
    return lib.Carer(
        id=str(carer.id),
        skills=frozenset(carer.skills),
        shift_start=float(params.get("shift_start_minute", 6 * 60 + 30)),
        shift_end=float(params.get("shift_end_minute", 22 * 60 + 30)),
        start_location=home,
    )


def _started(day: date, visit: Visit, assigned: list[int], checks: list[VisitEvent]) -> lib.StartedVisit:
    carer_ids = assigned or sorted({e.carer_id for e in checks})
    start = min((e.device_time for e in checks), default=visit.planned_start)
    return lib.StartedVisit(str(visit.id), tuple(str(c) for c in carer_ids), minute_of_day(day, start))


def _options(params: dict[str, Any], carers: list[Carer], history: dict[str, frozenset[str]]) -> RosterOptions:
    modes = {c.travel_mode for c in carers}
    weights = {WEIGHT_FIELDS[k]: float(v) for k, v in (params.get("weights") or {}).items() if k in WEIGHT_FIELDS}
    rest = params.get("unpaid_break")
    return RosterOptions(
        history=history,
        travel_mode=modes.pop() if len(modes) == 1 else "car",
        hard_shift_ends=bool(params.get("hard_shift_ends", False)),
        unpaid_break=None if rest is None else lib.BreakRule(
            float(rest["shift_over_minutes"]), float(rest["minutes"]), float(rest["earliest_minute"]), float(rest["latest_minute"]),
        ),
        seed=int(params.get("seed", 0)),
        **weights,
    )


def today_in_london(now: datetime) -> date:
    """The London calendar date of an instant."""
    return now.astimezone(LONDON).date()
