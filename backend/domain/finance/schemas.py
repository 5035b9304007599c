"""Shapes the finance API reads and returns (msgspec structs, so OpenAPI documents them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec

from backend.domain.finance.billing import BilledVisit, CarerLine, RuleFields, Totals
from backend.domain.finance.exports import VERDICT_NAMES
from backend.pagination import Page
from shared.timekeeping import LONDON


class TotalsOut(msgspec.Struct, kw_only=True):
    """Reconciliation figures; hours are carer-hours (a double-handed visit counts per carer)."""

    planned_visits: int
    planned_hours: float
    delivered_visits: int
    delivered_hours: float
    billable_hours: float
    pay_hours: float
    variance_hours: float
    missed: int
    cancelled: int
    late: int
    short: int
    unverified: int
    awaiting_review: int
    verified_electronically_percent: float | None
    started_on_time_percent: float | None
    planned_minutes: int
    delivered_minutes: int
    billable_minutes: int
    pay_minutes: int
    carer_visits: int

    @classmethod
    def of(cls, t: Totals) -> TotalsOut:
        return cls(
            planned_visits=t.planned_visits, planned_hours=t.planned_hours, delivered_visits=t.delivered_visits,
            delivered_hours=t.delivered_hours, billable_hours=t.billable_hours, pay_hours=t.pay_hours,
            variance_hours=t.variance_hours, missed=t.missed, cancelled=t.cancelled, late=t.late, short=t.short,
            unverified=t.unverified, awaiting_review=t.awaiting_review,
            verified_electronically_percent=t.verified_percent, started_on_time_percent=t.on_time_percent,
            planned_minutes=t.planned_minutes, delivered_minutes=t.actual_minutes, billable_minutes=t.billable_minutes,
            pay_minutes=t.pay_minutes, carer_visits=t.carer_visits,
        )


class ProviderWeekOut(msgspec.Struct, kw_only=True):
    """One provider's week."""

    provider_id: int
    provider_ref: str
    provider_name: str
    authority_code: str
    rules_version: int
    totals: TotalsOut


class ClientWeekOut(msgspec.Struct, kw_only=True):
    """One client's week in a provider's reconciliation."""

    client_id: int
    provider_id: int
    client_ref: str
    client_name: str
    totals: TotalsOut


class ReconciliationOut(msgspec.Struct, kw_only=True):
    """A week's reconciliation; clients are listed (paginated) when one provider is asked for."""

    week_ending: date
    week_start: date
    timezone: str
    totals: TotalsOut
    providers: list[ProviderWeekOut]
    clients: Page[ClientWeekOut] | None = None


class CarerLineOut(msgspec.Struct, kw_only=True):
    """A billed carer-visit."""

    carer_ref: str | None
    actual_start: datetime | None
    actual_end: datetime | None
    actual_minutes: int
    claimed_minutes: int
    pay_minutes: int
    verification: str
    check_in_method: str | None
    check_out_method: str | None
    rounding: str
    comment: str

    @classmethod
    def of(cls, line: CarerLine) -> CarerLineOut:
        return cls(
            carer_ref=line.carer_ref or None,
            actual_start=line.actual_start.astimezone(LONDON) if line.actual_start else None,
            actual_end=line.actual_end.astimezone(LONDON) if line.actual_end else None,
            actual_minutes=line.actual_minutes, claimed_minutes=line.claimed_minutes, pay_minutes=line.pay_minutes,
            verification=VERDICT_NAMES.get(line.verification, "none"), check_in_method=line.check_in_method,
            check_out_method=line.check_out_method, rounding=line.rounding, comment=line.comment,
        )


class ChangeOut(msgspec.Struct, kw_only=True):
    """An approved amendment: reason code and the fields it set (never free text)."""

    reason_code: str
    fields: list[str]
    status: str | None
    decided_at: datetime | None


class VisitWeekOut(msgspec.Struct, kw_only=True):
    """One visit of a client's week after the rules."""

    visit_id: int
    visit_date: date
    service_type: str
    planned_start: datetime
    planned_end: datetime
    planned_minutes: int
    number_of_carers: int
    status: str
    late: bool
    short: bool
    claimed_minutes: int
    actual_minutes: int
    carers: list[CarerLineOut]
    changes: list[ChangeOut]

    @classmethod
    def of(cls, v: BilledVisit) -> VisitWeekOut:
        f = v.facts
        return cls(
            visit_id=f.visit_id, visit_date=f.visit_date, service_type=f.service_type,
            planned_start=f.planned_start.astimezone(LONDON), planned_end=f.planned_end.astimezone(LONDON),
            planned_minutes=v.slot_minutes, number_of_carers=f.carers_needed, status=v.status, late=v.late,
            short=v.short, claimed_minutes=v.claimed_minutes, actual_minutes=v.actual_minutes,
            carers=[CarerLineOut.of(line) for line in v.lines],
            changes=[ChangeOut(reason_code=c.reason_code, fields=c.fields, status=c.status,
                               decided_at=c.decided_at.astimezone(LONDON) if c.decided_at else None) for c in v.changes],
        )


class ClientWeekDetailOut(msgspec.Struct, kw_only=True):
    """A client's week, visit by visit (times in Europe/London)."""

    week_ending: date
    provider_id: int
    client_id: int
    client_ref: str
    client_name: str
    rules_version: int
    totals: TotalsOut
    visits: list[VisitWeekOut]


class PaymentRuleIn(RuleFields, kw_only=True, forbid_unknown_fields=True):
    """A new version of the authority's payment rules: the week it starts, and every rule (see RuleFields)."""

    effective_from: date


class PaymentRuleOut(PaymentRuleIn, kw_only=True):
    """A stored version."""

    id: int
    authority_id: int
    version: int
    created_at: datetime


class ExportBatchOut(msgspec.Struct, kw_only=True):
    """A file handed to the portal."""

    id: int
    provider_id: int
    week_ending: date
    format: str
    file_reference: str
    version: int
    supersedes_id: int | None
    row_count: int
    created_at: datetime


class ExportRunOut(msgspec.Struct, kw_only=True):
    """A run of the weekly export: while it runs, how far it got; then how it ended."""

    id: int
    due_at: datetime
    status: str  # running, done, failed
    progress: float  # 0..1
    stage: str  # "week ending 2026-11-29: provider 3 of 17", "done"
    files: int
    error: str
    started_at: datetime
    finished_at: datetime | None


ExportFormat = Literal["abacus-csv", "evv-json"]
