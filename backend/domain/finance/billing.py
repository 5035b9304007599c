"""Delivered hours: from a visit's facts (assignments, check-in/out, approved amendments: see
:mod:`backend.domain.visits.facts`) to billable minutes.

Pure functions over plain structs, no database: the API, the exports, the scheduled job and the
benchmark all bill through :func:`bill_visit`, so every figure comes from one place.

Verification codes per carer-visit: ``Y`` verified electronically (geofence, QR or NFC), ``A``
unverified but approved by a supervisor (or times set by an approved amendment), ``N`` unverified and
awaiting review, ``R`` unverified and rejected on review, empty when nobody checked in.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec

from backend.domain.visits.facts import CarerFacts, Check, VisitFacts
from shared.timekeeping import LONDON

ROUNDING_MODES = ("up", "down", "nearest")
SHORT_FRACTION = 0.75


class RuleFields(msgspec.Struct, kw_only=True):
    """The payment rules an authority sets, declared once with their defaults.

    The API's :class:`~backend.domain.finance.schemas.PaymentRuleIn` and billing's :class:`Rules` are
    these fields plus their own; the stored :class:`~backend.domain.finance.models.PaymentRule` table
    repeats them as columns, and a test holds the two to the same names, types and defaults.
    """

    billing_unit_minutes: Literal[1, 5, 15] = 15
    rounding: Literal["up", "down", "nearest"] = "nearest"
    grace_minutes: int = 5
    minimum_billable_minutes: int = 15
    cap_at_planned: bool = True
    double_handed_per_carer: bool = True
    bill_missed: bool = False
    bill_short_notice_cancellations: bool = True
    cancellation_notice_hours: int = 24
    unverified_billable_before_approval: bool = False


RULE_FIELDS: tuple[str, ...] = tuple(field.name for field in msgspec.structs.fields(RuleFields))


class Rules(RuleFields, frozen=True, kw_only=True):
    """The payment rules in force for a week (a :class:`~backend.domain.finance.models.PaymentRule` version)."""

    version: int = 0
    late_tolerance_minutes: int = 30

    @property
    def label(self) -> str:
        """How rounding is described in exports, e.g. ``nearest/15``."""
        return f"{self.rounding}/{self.billing_unit_minutes}"


def rules_from_row(row: Any, late_tolerance_minutes: int = 30) -> Rules:
    """The billing rules of a stored version (a row with the rule fields, e.g. a ``PaymentRule``), or the
    defaults when the authority has none yet."""
    if row is None:
        return Rules(late_tolerance_minutes=late_tolerance_minutes)
    values = {name: getattr(row, name) for name in RULE_FIELDS}
    return Rules(version=row.version, late_tolerance_minutes=late_tolerance_minutes, **values)


class CarerLine(msgspec.Struct, kw_only=True):
    """One billed carer-visit: a row of the abacus CSV."""

    carer_id: int | None
    carer_ref: str
    actual_start: datetime | None
    actual_end: datetime | None
    actual_minutes: int
    claimed_minutes: int
    pay_minutes: int
    verification: str
    check_in_method: str | None
    check_out_method: str | None
    rounding: str
    check_in_verdict: str = ""
    check_out_verdict: str = ""
    comment: str
    amended: bool = False


class Change(msgspec.Struct, kw_only=True):
    """An approved amendment as shown to commissioners: reason code and the fields it set, no free text."""

    reason_code: str
    fields: list[str]
    status: str | None = None
    carer_id: int | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    decided_at: datetime | None = None


class BilledVisit(msgspec.Struct, kw_only=True):
    """A visit after the rules: its carer lines and the flags reconciliation counts."""

    facts: VisitFacts
    status: str
    planned_minutes: int
    slot_minutes: int
    lines: list[CarerLine]
    changes: list[Change]
    delivered: bool
    late: bool
    short: bool
    missed: bool
    cancelled: bool
    verified_electronically: bool
    unverified: bool
    awaiting_review: bool

    @property
    def claimed_minutes(self) -> int:
        return sum(line.claimed_minutes for line in self.lines)

    @property
    def actual_minutes(self) -> int:
        return sum(line.actual_minutes for line in self.lines)

    @property
    def pay_minutes(self) -> int:
        return sum(line.pay_minutes for line in self.lines)


_EPS = 1e-9


def round_to_unit(minutes: float, unit: int, mode: str) -> int:
    """Whole minutes rounded to a billing unit: up, down, or to the nearest (halves go up)."""
    if unit < 1:
        raise ValueError("billing unit must be at least one minute")
    units = minutes / unit
    if mode == "up":
        whole = math.ceil(units - _EPS)
    elif mode == "down":
        whole = math.floor(units + _EPS)
    elif mode == "nearest":
        whole = math.floor(units + 0.5 + _EPS)
    else:
        raise ValueError(f"unknown rounding {mode!r}; choose one of {', '.join(ROUNDING_MODES)}")
    return max(0, whole) * unit


def billable_minutes(worked: float, planned: int, rules: Rules, *, cap: bool = True) -> tuple[int, list[str]]:
    """Billable minutes for ``worked`` minutes against ``planned``, and the rule steps that changed them.

    Within ``grace_minutes`` of planned counts as planned; then rounding to the billing unit, the
    minimum billable duration, and the cap at planned (``cap=False`` when an approved amendment set the times).
    """
    steps = [_label(rules.rounding, rules.billing_unit_minutes)]
    basis = worked
    if abs(worked - planned) <= rules.grace_minutes + _EPS and worked != planned:
        basis = float(planned)
        steps.append("grace")
    claimed = round_to_unit(basis, rules.billing_unit_minutes, rules.rounding)
    if worked > 0 and claimed < rules.minimum_billable_minutes:
        claimed = rules.minimum_billable_minutes
        steps.append("minimum")
    if cap and rules.cap_at_planned and claimed > planned:
        claimed = planned
        steps.append("cap")
    return claimed, steps


_LABELS: dict[tuple[str, int], str] = {}


def _label(mode: str, unit: int) -> str:
    label = _LABELS.get((mode, unit))
    if label is None:
        label = _LABELS[(mode, unit)] = f"{mode}/{unit}"
    return label


def pay_minutes(worked: float) -> int:
    """Minutes a carer is paid for: every minute worked, never rounded down."""
    return max(0, math.ceil(worked - _EPS))


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        from datetime import timezone

        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _verdict(check: Check | None) -> str:
    if check is None:
        return ""
    if check.verified:
        return "Y"
    if check.review_state == "approved":
        return "A"
    if check.review_state == "rejected":
        return "R"
    return "N"


_SEVERITY = {"": 0, "Y": 1, "A": 2, "N": 3, "R": 4}


class _Presence:
    """A carer's effective times on a visit after amendments."""

    __slots__ = ("facts", "start", "end", "amended", "in_method", "out_method", "verdict", "in_verdict", "out_verdict")

    def __init__(self, facts: CarerFacts) -> None:
        self.facts = facts
        self.start = facts.check_in.at if facts.check_in else None
        self.end = facts.check_out.at if facts.check_out else None
        self.amended = False
        self.in_method = facts.check_in.method if facts.check_in else None
        self.out_method = facts.check_out.method if facts.check_out else None
        a, b = _verdict(facts.check_in), _verdict(facts.check_out)
        self.in_verdict, self.out_verdict = a, b
        self.verdict = a if _SEVERITY[a] >= _SEVERITY[b] else b


def _apply_amendments(facts: VisitFacts, presences: list[_Presence]) -> tuple[str, list[Change]]:
    if not facts.amendments:
        return facts.status, []
    status = facts.status
    changes: list[Change] = []
    for amendment in facts.amendments:
        ch = amendment.changes or {}
        new_status = ch.get("status")
        if isinstance(new_status, str) and new_status:
            status = new_status
        start, end = _parse_time(ch.get("actual_start")), _parse_time(ch.get("actual_end"))
        carer_id = ch.get("carer_id")
        carer_id = int(carer_id) if isinstance(carer_id, (int, str)) and str(carer_id).isdigit() else None
        if start is not None or end is not None:
            targets = [p for p in presences if carer_id is None or p.facts.carer_id == carer_id]
            if not targets:
                extra = _Presence(CarerFacts(carer_id=carer_id, carer_ref="", assigned=False))
                presences.append(extra)
                targets = [extra]
            for p in targets:
                if start is not None:
                    p.start = start
                    p.in_verdict = "A"
                if end is not None:
                    p.end = end
                    p.out_verdict = "A"
                p.amended = True
                p.verdict = "A"
                if start is not None:
                    p.in_method = p.in_method or "manual"
                if end is not None:
                    p.out_method = p.out_method or "manual"
        fields = sorted(k for k in ch if k in ("status", "carer_id", "actual_start", "actual_end"))
        others = sorted(k for k in ch if k not in ("status", "carer_id", "actual_start", "actual_end"))
        changes.append(Change(
            reason_code=amendment.reason_code, fields=fields + others,
            status=new_status if isinstance(new_status, str) else None, carer_id=carer_id,
            actual_start=start, actual_end=end, decided_at=amendment.decided_at,
        ))
    return status, changes


def _short_notice(facts: VisitFacts, rules: Rules) -> bool:
    """Whether a cancellation came too late: the cancelling amendment's time, else the reason code."""
    for amendment in reversed(facts.amendments):
        if (amendment.changes or {}).get("status") == "cancelled":
            return facts.planned_start - amendment.created_at < timedelta(hours=rules.cancellation_notice_hours)
    reason = (facts.cancel_reason or "").lower()
    return "short_notice" in reason or "no_notice" in reason


def bill_visit(facts: VisitFacts, rules: Rules) -> BilledVisit:
    """Apply approved amendments and the payment rules to one visit."""
    planned = max(0, round((facts.planned_end - facts.planned_start).total_seconds() / 60))
    presences = [_Presence(c) for c in facts.carers]
    status, changes = _apply_amendments(facts, presences)
    slots = facts.carers_needed if facts.carers_needed > 1 else 1
    billable_slots = slots if rules.double_handed_per_carer else 1
    if len(presences) > 1:
        # Carers who turned up first, then assigned carers who did not, then empty slots.
        presences.sort(key=lambda p: (p.start is None, not p.facts.assigned))
    if status in ("missed", "cancelled"):
        return _bill_absent_visit(facts, rules, status, presences, changes, planned, slots, billable_slots)
    lines: list[CarerLine] = []
    delivered = short = awaiting_review = False
    electronic = True
    for index, p in enumerate(presences):
        worked = _worked_minutes(p)
        lines.append(_bill_carer(facts, rules, status, p, worked, index < billable_slots, planned))
        if worked > 0:
            delivered = True
            short = short or worked < SHORT_FRACTION * planned
            if p.verdict != "Y":
                electronic = False
                awaiting_review = awaiting_review or p.verdict == "N"
    for _ in range(slots - len(lines)):
        lines.append(_empty_slot(status))
    late = _mark_late(facts, rules, presences, lines)
    return BilledVisit(
        facts=facts, status=status if not delivered or status != "planned" else "completed",
        planned_minutes=planned * billable_slots, slot_minutes=planned, lines=lines, changes=changes,
        delivered=delivered, late=late and delivered, short=short, missed=False, cancelled=False,
        verified_electronically=delivered and electronic, unverified=delivered and not electronic,
        awaiting_review=awaiting_review,
    )


def _bill_absent_visit(facts: VisitFacts, rules: Rules, status: str, presences: list[_Presence], changes: list[Change],
                       planned: int, slots: int, billable_slots: int) -> BilledVisit:
    """A missed or cancelled visit: its planned minutes per assigned carer when the rules bill it, else nothing."""
    missed = status == "missed"
    if missed:
        billed = rules.bill_missed
        note = "missed visit" + ("; billed as planned" if billed else "")
    else:
        billed = rules.bill_short_notice_cancellations and _short_notice(facts, rules)
        note = "cancelled at short notice" if billed else "cancelled with notice"
        if facts.cancel_reason:
            note += f": {facts.cancel_reason}"
    refs = [(p.facts.carer_id, p.facts.carer_ref) for p in presences if p.facts.assigned]
    refs += [(None, "")] * max(0, slots - len(refs))
    lines = [
        CarerLine(
            carer_id=carer_id, carer_ref=carer_ref, actual_start=None, actual_end=None, actual_minutes=0,
            claimed_minutes=planned if billed and index < billable_slots else 0, pay_minutes=0, verification="",
            check_in_method=None, check_out_method=None, rounding="", comment=note,
        )
        for index, (carer_id, carer_ref) in enumerate(refs)
    ]
    return BilledVisit(
        facts=facts, status=status, planned_minutes=planned * billable_slots, slot_minutes=planned, lines=lines,
        changes=changes, delivered=False, late=False, short=False, missed=missed, cancelled=not missed,
        verified_electronically=False, unverified=False, awaiting_review=False,
    )


def _worked_minutes(presence: _Presence) -> float:
    """Minutes between a carer's effective check-in and check-out (0 without both)."""
    if presence.start is None or presence.end is None:
        return 0.0
    return max(0.0, (presence.end - presence.start).total_seconds() / 60)


def _bill_carer(facts: VisitFacts, rules: Rules, status: str, p: _Presence, worked: float, in_billable_slot: bool,
                planned: int) -> CarerLine:
    """One carer's line: minutes worked, claimed after the rules (when billable) and paid, with the reasons.

    The visit's amendments are its ``changes``, shown once per visit; a line says only that its own
    times were set by one.
    """
    notes: list[str] = []
    if p.start is None:
        notes.append("carer did not attend" if p.facts.assigned and status == "completed" else "not delivered")
    elif p.end is None:
        notes.append("no check-out")
    actual = round_to_unit(worked, 1, "nearest")
    claimed, steps = 0, []
    if worked > 0:
        allowed = p.verdict in ("Y", "A") or (p.verdict == "N" and rules.unverified_billable_before_approval)
        if not in_billable_slot:
            notes.append("extra carer not billable")
        elif allowed:
            claimed, steps = billable_minutes(worked, planned, rules, cap=not p.amended)
        elif p.verdict == "R":
            notes.append("verification rejected on review")
        else:
            notes.append("unverified, awaiting supervisor review")
        if abs(worked - planned) > rules.grace_minutes:
            notes.insert(0, f"actual {actual} min vs planned {planned} min")
        assert p.start is not None
        # London and UTC dates differ only in the UTC 23:00 hour (BST), so convert only then.
        if p.start.hour == 23 or p.start.date() != facts.visit_date:
            started_on = p.start.astimezone(LONDON).date()
            if started_on != facts.visit_date:
                notes.append(f"started on {started_on.isoformat()}")
        if p.verdict == "A" and not p.amended:
            notes.append("unverified check approved by supervisor")
    if p.amended:
        notes.append("times set by amendment")
    return CarerLine(
        carer_id=p.facts.carer_id, carer_ref=p.facts.carer_ref, actual_start=p.start, actual_end=p.end,
        actual_minutes=actual if worked > 0 else 0, claimed_minutes=claimed,
        pay_minutes=pay_minutes(worked), verification=p.verdict if p.start is not None else "",
        check_in_method=p.in_method, check_out_method=p.out_method, rounding=";".join(steps),
        check_in_verdict=p.in_verdict if p.start is not None else "",
        check_out_verdict=p.out_verdict if p.end is not None else "",
        comment="; ".join(notes), amended=p.amended,
    )


def _empty_slot(status: str) -> CarerLine:
    """A line for a carer the visit needed and nobody filled."""
    return CarerLine(
        carer_id=None, carer_ref="", actual_start=None, actual_end=None, actual_minutes=0, claimed_minutes=0,
        pay_minutes=0, verification="", check_in_method=None, check_out_method=None, rounding="",
        comment="no carer assigned" if status != "completed" else "carer did not attend",
    )


def _mark_late(facts: VisitFacts, rules: Rules, presences: list[_Presence], lines: list[CarerLine]) -> bool:
    """Whether the first carer started past the late tolerance; if so, say so on every line that started."""
    first_start: datetime | None = None
    for p in presences:
        if p.start is not None and (first_start is None or p.start < first_start):
            first_start = p.start
    if first_start is None:
        return False
    lateness = (first_start - facts.planned_start).total_seconds()
    if lateness <= rules.late_tolerance_minutes * 60:
        return False
    minutes_late = round(lateness / 60)
    for line in lines:
        if line.actual_start is not None:
            line.comment = f"late start {minutes_late} min" + (f"; {line.comment}" if line.comment else "")
    return True


class Totals(msgspec.Struct, kw_only=True):
    """Reconciliation figures for a provider, a client or a whole week (minutes kept whole, hours derived)."""

    planned_visits: int = 0
    planned_minutes: int = 0
    delivered_visits: int = 0
    actual_minutes: int = 0
    billable_minutes: int = 0
    pay_minutes: int = 0
    missed: int = 0
    cancelled: int = 0
    late: int = 0
    short: int = 0
    unverified: int = 0
    awaiting_review: int = 0
    verified_electronically: int = 0
    carer_visits: int = 0

    def add(self, visit: BilledVisit) -> None:
        """Count one billed visit."""
        self.planned_visits += 1
        self.planned_minutes += visit.planned_minutes
        for line in visit.lines:
            self.actual_minutes += line.actual_minutes
            self.billable_minutes += line.claimed_minutes
            self.pay_minutes += line.pay_minutes
        self.carer_visits += len(visit.lines)
        if visit.delivered:
            self.delivered_visits += 1
        self.missed += visit.missed
        self.cancelled += visit.cancelled
        self.late += visit.late
        self.short += visit.short
        self.unverified += visit.unverified
        self.awaiting_review += visit.awaiting_review
        self.verified_electronically += visit.verified_electronically

    def merge(self, other: Totals) -> None:
        """Add another set of totals to this one."""
        for name in self.__struct_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def planned_hours(self) -> float:
        return round(self.planned_minutes / 60, 2)

    @property
    def delivered_hours(self) -> float:
        return round(self.actual_minutes / 60, 2)

    @property
    def billable_hours(self) -> float:
        return round(self.billable_minutes / 60, 2)

    @property
    def pay_hours(self) -> float:
        return round(self.pay_minutes / 60, 2)

    @property
    def variance_hours(self) -> float:
        """Billable minus planned hours."""
        return round((self.billable_minutes - self.planned_minutes) / 60, 2)

    @property
    def verified_percent(self) -> float | None:
        """Share of delivered visits whose every check was verified electronically."""
        return round(100 * self.verified_electronically / self.delivered_visits, 1) if self.delivered_visits else None

    @property
    def on_time_percent(self) -> float | None:
        """Share of delivered visits started within the late tolerance."""
        return round(100 * (self.delivered_visits - self.late) / self.delivered_visits, 1) if self.delivered_visits else None
