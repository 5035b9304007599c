"""Rounding tables for every payment rule, clock-change weeks, visits across midnight, amendments and verification."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from backend.domain.finance.billing import Rules, bill_visit, billable_minutes, pay_minutes, round_to_unit
from backend.domain.finance.weeks import FinanceWeek, last_completed_week, parse_week_ending, week_of
from backend.domain.visits.facts import AmendmentFacts, CarerFacts, Check, VisitFacts
from shared.timekeeping import LONDON, london_to_utc

UTC = timezone.utc


@pytest.mark.parametrize(
    ("minutes", "unit", "mode", "expected"),
    [
        (0, 15, "up", 0), (0.5, 1, "up", 1), (0.5, 1, "down", 0), (0.5, 1, "nearest", 1), (29.4, 1, "nearest", 29),
        (1, 5, "up", 5), (5, 5, "up", 5), (5.01, 5, "up", 10), (9.99, 5, "down", 5), (7.4, 5, "nearest", 5),
        (7.5, 5, "nearest", 10), (1, 15, "up", 15), (15, 15, "up", 15), (16, 15, "up", 30), (29, 15, "down", 15),
        (22.4, 15, "nearest", 15), (22.5, 15, "nearest", 30), (44, 15, "nearest", 45), (52, 15, "nearest", 45),
        (53, 15, "nearest", 60), (60, 15, "down", 60), (60.0000000001, 15, "up", 60),
    ],
)
def test_round_to_unit(minutes: float, unit: int, mode: str, expected: int) -> None:
    assert round_to_unit(minutes, unit, mode) == expected


def test_round_to_unit_rejects_unknown_modes() -> None:
    with pytest.raises(ValueError):
        round_to_unit(10, 15, "sideways")
    with pytest.raises(ValueError):
        round_to_unit(10, 0, "up")


# worked, planned, rules, expected billable, expected steps
RULE_TABLE = [
    # within grace of planned counts as planned, whatever the rounding
    (27, 30, Rules(rounding="down", billing_unit_minutes=15, grace_minutes=5), 30, ["down/15", "grace"]),
    (33, 30, Rules(rounding="up", billing_unit_minutes=15, grace_minutes=5), 30, ["up/15", "grace"]),
    (24, 30, Rules(rounding="down", billing_unit_minutes=15, grace_minutes=5, minimum_billable_minutes=0), 15, ["down/15"]),
    (24, 30, Rules(rounding="up", billing_unit_minutes=15, grace_minutes=5), 30, ["up/15"]),
    (24, 30, Rules(rounding="nearest", billing_unit_minutes=15, grace_minutes=5), 30, ["nearest/15"]),
    (24, 30, Rules(rounding="nearest", billing_unit_minutes=5, grace_minutes=0), 25, ["nearest/5"]),
    (24, 30, Rules(rounding="down", billing_unit_minutes=1, grace_minutes=0), 24, ["down/1"]),
    # minimum billable duration
    (4, 30, Rules(rounding="nearest", billing_unit_minutes=5, grace_minutes=0, minimum_billable_minutes=15), 15,
     ["nearest/5", "minimum"]),
    (4, 30, Rules(rounding="nearest", billing_unit_minutes=5, grace_minutes=0, minimum_billable_minutes=0), 5, ["nearest/5"]),
    # cap at planned, or not
    (50, 30, Rules(rounding="nearest", billing_unit_minutes=15, grace_minutes=5), 30, ["nearest/15", "cap"]),
    (50, 30, Rules(rounding="nearest", billing_unit_minutes=15, grace_minutes=5, cap_at_planned=False), 45, ["nearest/15"]),
    (50, 30, Rules(rounding="up", billing_unit_minutes=1, grace_minutes=0, cap_at_planned=False), 50, ["up/1"]),
    # grace zero: exact planned stays exact
    (30, 30, Rules(rounding="up", billing_unit_minutes=15, grace_minutes=0), 30, ["up/15"]),
]


@pytest.mark.parametrize(("worked", "planned", "rules", "expected", "steps"), RULE_TABLE)
def test_billable_minutes_rule_table(worked: float, planned: int, rules: Rules, expected: int, steps: list[str]) -> None:
    claimed, applied = billable_minutes(worked, planned, rules)
    assert claimed == expected
    assert applied == steps


def test_cap_lifted_when_an_amendment_set_the_times() -> None:
    rules = Rules(rounding="nearest", billing_unit_minutes=15, grace_minutes=5)
    assert billable_minutes(50, 30, rules, cap=False)[0] == 45


@pytest.mark.parametrize(("worked", "paid"), [(0, 0), (0.01, 1), (14.2, 15), (29.99, 30), (30, 30), (44.5, 45)])
def test_pay_is_never_rounded_below_minutes_worked(worked: float, paid: int) -> None:
    assert pay_minutes(worked) == paid
    assert pay_minutes(worked) >= worked


# ---------------------------------------------------------------- whole visits

def _visit(start: datetime, minutes: int, carers: list[CarerFacts], *, carers_needed: int = 1, status: str = "completed",
           amendments: list[AmendmentFacts] | None = None, cancel_reason: str | None = None) -> VisitFacts:
    return VisitFacts(
        visit_id=1, provider_id=1, client_id=1, client_ref="SU1", service_type="personal_care",
        visit_date=start.astimezone(LONDON).date(), planned_start=start, planned_end=start + timedelta(minutes=minutes),
        carers_needed=carers_needed, status=status, carers=carers, amendments=amendments or [], cancel_reason=cancel_reason,
    )


def _carer(carer_id: int, start: datetime | None, minutes: float | None, *, verified: bool = True,
           review: str | None = None, method: str = "gps") -> CarerFacts:
    facts = CarerFacts(carer_id=carer_id, carer_ref=f"CR{carer_id}")
    if start is not None:
        facts.check_in = Check(at=start, method=method, verified=verified, review_state=review)
        if minutes is not None:
            facts.check_out = Check(at=start + timedelta(minutes=minutes), method=method, verified=verified,
                                    review_state=review)
    return facts


START = datetime(2025, 1, 8, 9, 0, tzinfo=UTC)
RULES = Rules(rounding="nearest", billing_unit_minutes=15, grace_minutes=5, minimum_billable_minutes=15)


def test_double_handed_visits_bill_per_carer() -> None:
    visit = bill_visit(_visit(START, 60, [_carer(1, START, 60), _carer(2, START, 58)], carers_needed=2), RULES)
    assert [line.claimed_minutes for line in visit.lines] == [60, 60]
    assert visit.planned_minutes == 120
    single = bill_visit(_visit(START, 60, [_carer(1, START, 60), _carer(2, START, 58)], carers_needed=2),
                        Rules(double_handed_per_carer=False))
    assert single.claimed_minutes == 60 and single.planned_minutes == 60


def test_double_handed_with_one_carer_absent_bills_only_the_one_who_came() -> None:
    visit = bill_visit(_visit(START, 60, [_carer(1, START, 60), _carer(2, None, None)], carers_needed=2), RULES)
    assert [line.claimed_minutes for line in visit.lines] == [60, 0]
    assert "did not attend" in visit.lines[1].comment


def test_short_and_late_visits_are_flagged_with_comments() -> None:
    late_start = START + timedelta(minutes=40)
    visit = bill_visit(_visit(START, 60, [_carer(1, late_start, 30)]), RULES)
    assert visit.late and visit.short
    assert visit.lines[0].claimed_minutes == 30
    assert "late start 40 min" in visit.lines[0].comment and "actual 30 min vs planned 60 min" in visit.lines[0].comment
    on_time = bill_visit(_visit(START, 60, [_carer(1, START + timedelta(minutes=29), 60)]), RULES)
    assert not on_time.late and not on_time.short and on_time.lines[0].comment == ""


def test_unverified_checks_count_once_approved() -> None:
    pending = bill_visit(_visit(START, 30, [_carer(1, START, 30, verified=False)]), RULES)
    assert pending.lines[0].claimed_minutes == 0 and pending.lines[0].verification == "N" and pending.awaiting_review
    approved = bill_visit(_visit(START, 30, [_carer(1, START, 30, verified=False, review="approved")]), RULES)
    assert approved.lines[0].claimed_minutes == 30 and approved.lines[0].verification == "A"
    assert approved.unverified and not approved.verified_electronically
    rejected = bill_visit(_visit(START, 30, [_carer(1, START, 30, verified=False, review="rejected")]), RULES)
    assert rejected.lines[0].claimed_minutes == 0 and rejected.lines[0].verification == "R"
    lenient = Rules(unverified_billable_before_approval=True)
    assert bill_visit(_visit(START, 30, [_carer(1, START, 30, verified=False)]), lenient).claimed_minutes == 30


def test_approved_amendment_overrides_times_for_one_carer_and_lifts_the_cap() -> None:
    amendment = AmendmentFacts(id=1, reason_code="device_failed", created_at=START, changes={
        "carer_id": 2, "actual_start": START.isoformat(), "actual_end": (START + timedelta(minutes=75)).isoformat(),
    })
    visit = bill_visit(_visit(START, 60, [_carer(1, START, 60), _carer(2, START, None)], carers_needed=2,
                              amendments=[amendment]), RULES)
    by_carer = {line.carer_id: line for line in visit.lines}
    assert by_carer[1].claimed_minutes == 60 and not by_carer[1].amended
    assert by_carer[2].claimed_minutes == 75 and by_carer[2].amended and by_carer[2].verification == "A"
    assert visit.changes[0].reason_code == "device_failed"
    assert visit.changes[0].fields == ["actual_end", "actual_start", "carer_id"]


def test_amendment_status_and_free_text_never_leak() -> None:
    amendment = AmendmentFacts(id=1, reason_code="client_in_hospital", created_at=START - timedelta(hours=2),
                               changes={"status": "cancelled", "note": "private words"})
    visit = bill_visit(_visit(START, 30, [_carer(1, None, None)], amendments=[amendment]), RULES)
    assert visit.cancelled and visit.claimed_minutes == 30  # cancelled 2 h before: short notice, billed as planned
    assert visit.changes[0].fields == ["status", "note"]
    assert "private words" not in repr(visit.changes) and "private words" not in repr(visit.lines)


def test_missed_and_cancelled_rules() -> None:
    missed = _visit(START, 30, [_carer(1, None, None)], status="missed")
    assert bill_visit(missed, RULES).claimed_minutes == 0 and bill_visit(missed, RULES).missed
    assert bill_visit(missed, Rules(bill_missed=True)).claimed_minutes == 30
    with_notice = _visit(START, 30, [_carer(1, None, None)], status="cancelled", cancel_reason="client_request")
    assert bill_visit(with_notice, RULES).claimed_minutes == 0
    short_notice = _visit(START, 30, [_carer(1, None, None)], status="cancelled", cancel_reason="short_notice_client_out")
    assert bill_visit(short_notice, RULES).claimed_minutes == 30
    assert bill_visit(short_notice, Rules(bill_short_notice_cancellations=False)).claimed_minutes == 0
    early = AmendmentFacts(id=1, reason_code="client_request", created_at=START - timedelta(days=3),
                           changes={"status": "cancelled"})
    assert bill_visit(_visit(START, 30, [], status="cancelled", amendments=[early]), RULES).claimed_minutes == 0


def test_visit_across_midnight_counts_real_minutes_and_stays_in_its_day() -> None:
    start = london_to_utc(date(2025, 1, 5), 23 * 60 + 30)  # Sunday 23:30, ends Monday 00:30
    visit = bill_visit(_visit(start, 60, [_carer(1, start + timedelta(minutes=5), 60)]), RULES)
    assert visit.facts.visit_date == date(2025, 1, 5)
    assert visit.lines[0].actual_minutes == 60 and visit.lines[0].claimed_minutes == 60
    assert FinanceWeek(date(2025, 1, 5)).start <= visit.facts.visit_date <= date(2025, 1, 5)
    after = bill_visit(_visit(start, 30, [_carer(1, start + timedelta(minutes=40), 30)]), RULES)
    assert "started on 2025-01-06" in after.lines[0].comment


@pytest.mark.parametrize(
    ("day", "local_start", "local_end", "real_minutes"),
    [
        (date(2025, 3, 30), 0 * 60 + 30, 3 * 60 + 30, 120),   # spring forward: 00:30 → 03:30 BST is 2 real hours
        (date(2025, 10, 26), 0 * 60 + 30, 2 * 60 + 30, 180),  # fall back: 00:30 BST → 02:30 GMT is 3 real hours
    ],
)
def test_clock_change_nights_bill_real_elapsed_time(day: date, local_start: int, local_end: int, real_minutes: int) -> None:
    start, end = london_to_utc(day, local_start), london_to_utc(day, local_end)
    assert (end - start) == timedelta(minutes=real_minutes)
    rules = Rules(rounding="nearest", billing_unit_minutes=1, grace_minutes=0, cap_at_planned=False)
    visit = bill_visit(_visit(start, real_minutes, [_carer(1, start, real_minutes)]), rules)
    assert visit.lines[0].actual_minutes == real_minutes == visit.lines[0].claimed_minutes
    assert visit.facts.visit_date == day


@pytest.mark.parametrize("sunday", [date(2025, 3, 30), date(2025, 10, 26), date(2025, 1, 5)])
def test_weeks_end_on_sunday_in_london_across_clock_changes(sunday: date) -> None:
    week = FinanceWeek(sunday)
    assert week.start == sunday - timedelta(days=6) and week.start.weekday() == 0
    last_minute = london_to_utc(sunday, 23 * 60 + 59)
    first_minute_next = london_to_utc(sunday + timedelta(days=1), 0)
    assert week_of(last_minute) == week
    assert week_of(first_minute_next) == week.next
    assert week_of(london_to_utc(week.start, 0)) == week
    assert last_completed_week(first_minute_next) == week


def test_week_ending_must_be_a_sunday() -> None:
    with pytest.raises(ValueError, match="Sunday"):
        parse_week_ending("2025-01-06")
    with pytest.raises(ValueError, match="not a date"):
        parse_week_ending("last week")
    assert parse_week_ending("2025-01-05").start == date(2024, 12, 30)


def test_csv_cells_never_start_a_spreadsheet_formula() -> None:
    import csv as csv_module
    import io

    from backend.domain.finance.exports import FileHeader, RunningTotals, csv_chunk

    facts = _visit(START, 30, [_carer(1, None, None)], status="cancelled", cancel_reason="=HYPERLINK(\"x\")")
    facts.client_ref = "+SU1"
    visit = bill_visit(facts, RULES)
    visit.lines[0].comment = "=1+1"
    header = FileHeader("LCC-P-20250105-C001", "P", "P", "LCC", date(2025, 1, 12), 0)
    row = next(csv_module.reader(io.StringIO(csv_chunk(header, [visit], RunningTotals()))))
    assert row[2] == "'+SU1" and row[14] == "'=1+1"
