"""What the hub costs per person against what it achieved: the commissioner's report.

For each person enrolled at any time in the period: the days enrolled in it, the cost (the one-off
equipment when they were enrolled within the period, plus monthly monitoring pro rata), readings
taken against those their schedule expected, vitals alerts, escalations (GP, NHS 111, 999) and the
hospital admissions the hub recorded. Expected readings use the programme's current schedule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.alerts.services import counts_by_client
from backend.domain.monitoring.vitals import reading_counts
from backend.domain.people.repositories import ClientRepository
from backend.domain.telehealth.models import Enrolment, Intervention
from backend.domain.telehealth.repositories import EnrolmentRepository, HubRecords, InterventionRepository
from backend.domain.telehealth.schemas import ClientRef
from shared.enums import AlertKind, Condition, EnrolmentState, InterventionKind
from shared.timekeeping import london_to_utc

ESCALATIONS = (InterventionKind.GP_ESCALATION, InterventionKind.NHS_111, InterventionKind.EMERGENCY_999)
DAYS_PER_MONTH = 365.25 / 12


class PersonCost(msgspec.Struct, frozen=True, kw_only=True):
    """One person's cost and outcomes in the period."""

    client: ClientRef
    hub_id: int
    condition: Condition
    state: EnrolmentState
    days_enrolled: float
    cost_pence: int
    readings_taken: int
    readings_expected: int
    alerts: int
    escalations: int
    admissions: int


class CostTotals(msgspec.Struct, frozen=True, kw_only=True):
    """The period's totals, and cost per person."""

    people: int
    cost_pence: int
    cost_per_person_pence: int
    readings_taken: int
    readings_expected: int
    adherence_percent: float | None
    alerts: int
    escalations: int
    admissions: int


class CostReport(msgspec.Struct, frozen=True, kw_only=True):
    """The report: the period, its totals and one page of people."""

    period_start: date
    period_end: date
    totals: CostTotals
    items: list[PersonCost]
    total: int
    limit: int
    offset: int


def _overlap(row: Enrolment, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    begin, finish = max(row.enrolled_at, start), min(row.discharged_at or end, end)
    return (begin, finish) if finish > begin else None


def _expected(row: Enrolment, window: tuple[datetime, datetime]) -> int:
    hours = (window[1] - window[0]).total_seconds() / 3600
    return sum(int(hours // float(every)) for every in row.schedule.values())


def _cost(row: Enrolment, window: tuple[datetime, datetime], start: datetime) -> int:
    days = (window[1] - window[0]).total_seconds() / 86400
    equipment = row.equipment_cost_pence if row.enrolled_at >= start else 0
    return round(equipment + row.monthly_cost_pence * days / DAYS_PER_MONTH)


async def cost_report(session: AsyncSession, authority_id: int, first: date, last: date, limit: int,
                      offset: int) -> CostReport:
    """Cost per person against outcomes for the authority's hubs, between two London days (inclusive)."""
    start, end = london_to_utc(first, 0), london_to_utc(last + timedelta(days=1), 0)
    hub_ids = await HubRecords(session).ids_of_authority(authority_id)
    rows = [row for row in await EnrolmentRepository(session, None).overlapping(hub_ids, start, end)]
    windows = {row.id: _overlap(row, start, end) for row in rows}
    rows = [row for row in rows if windows[row.id] is not None]
    scope, client_ids = TenantScope(frozenset(row.provider_id for row in rows)), [row.client_id for row in rows]
    names = await ClientRepository(session, scope).names_of(client_ids) if rows else {}
    taken = await reading_counts(session, scope, client_ids, start, end)
    alerts = await counts_by_client(session, scope, client_ids, (AlertKind.VITALS,), start, end)
    done: dict[int, Counter[str]] = {}
    for intervention in await InterventionRepository(session, None).of_enrolments([r.id for r in rows if r.id], start, end):
        done.setdefault(intervention.enrolment_id, Counter())[str(intervention.kind)] += 1
    people = [_person(row, windows[row.id], start, names, taken, alerts, done.get(row.id or 0, Counter()))  # type: ignore[arg-type]
              for row in rows]
    people.sort(key=lambda p: (-p.cost_pence, p.client.name))
    return CostReport(period_start=first, period_end=last, totals=_totals(people), items=people[offset:offset + limit],
                      total=len(people), limit=limit, offset=offset)


def _person(row: Enrolment, window: tuple[datetime, datetime], start: datetime, names: dict[int, str],
            taken: dict[tuple[int, str], int], alerts: dict[int, int], done: Counter[str]) -> PersonCost:
    return PersonCost(
        client=ClientRef(row.client_id, names.get(row.client_id, "")), hub_id=row.hub_id, condition=row.condition,
        state=row.state, days_enrolled=round((window[1] - window[0]).total_seconds() / 86400, 1),
        cost_pence=_cost(row, window, start), readings_expected=_expected(row, window),
        readings_taken=sum(taken.get((row.client_id, sign), 0) for sign in row.schedule),
        alerts=alerts.get(row.client_id, 0), escalations=sum(done[str(kind)] for kind in ESCALATIONS),
        admissions=done[str(InterventionKind.HOSPITAL_ADMISSION)])


def _totals(people: Sequence[PersonCost]) -> CostTotals:
    cost = sum(p.cost_pence for p in people)
    taken, expected = sum(p.readings_taken for p in people), sum(p.readings_expected for p in people)
    return CostTotals(people=len(people), cost_pence=cost, cost_per_person_pence=round(cost / len(people)) if people else 0,
                      readings_taken=taken, readings_expected=expected,
                      adherence_percent=round(100 * taken / expected, 1) if expected else None,
                      alerts=sum(p.alerts for p in people), escalations=sum(p.escalations for p in people),
                      admissions=sum(p.admissions for p in people))
