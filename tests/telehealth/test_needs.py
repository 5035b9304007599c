"""The caseload's verdict on one person, without a database: colours, reasons and the order within a colour."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from backend.domain.telehealth.needs import OpenAlert, Reading, assess
from shared.enums import AlertSeverity, Condition, Rag
from shared.telehealth import DEFAULT_SCHEDULE, DEFAULT_THRESHOLDS, stepped_down

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=timezone.utc)
COPD = DEFAULT_THRESHOLDS[Condition.COPD]
HF = DEFAULT_THRESHOLDS[Condition.HEART_FAILURE]


def _daily(sign: str, *values: float, last: timedelta = timedelta(hours=2)) -> list[Reading]:
    """One reading a day, the last ``last`` before now."""
    return [Reading(sign, value, NOW - last - timedelta(days=len(values) - 1 - n)) for n, value in enumerate(values)]


def test_readings_inside_every_limit_are_green() -> None:
    readings = _daily("spo2", 96, 95, 96, 96) + _daily("heart_rate", 72, 75, 70, 74)
    need = assess(readings, COPD, DEFAULT_SCHEDULE[Condition.COPD], [], [], NOW)
    assert (need.rag, need.reasons, need.score) == (Rag.GREEN, [], 0.0)


def test_a_reading_past_the_red_limit_is_red_and_says_which_limit() -> None:
    readings = _daily("spo2", 96, 95, 96, 87) + _daily("heart_rate", 72, 75, 70, 74)
    need = assess(readings, COPD, DEFAULT_SCHEDULE[Condition.COPD], [], [], NOW)
    assert need.rag is Rag.RED
    assert need.reasons[0].startswith("SpO2 87% below red limit 88")
    assert any("9 points below their usual" in reason for reason in need.reasons)  # the trend, also red


def test_a_falling_trend_inside_the_limits_is_amber() -> None:
    readings = _daily("spo2", 97, 97, 97, 97, 93) + _daily("heart_rate", 72, 75, 70, 74, 73)
    need = assess(readings, COPD, DEFAULT_SCHEDULE[Condition.COPD], [], [], NOW)
    assert need.rag is Rag.AMBER
    assert need.reasons == ["SpO2 93% is 4 points below their usual 97%: above amber limit 3"]


def test_heart_failure_weight_gain_over_three_days_is_red_past_two_kilos() -> None:
    readings = _daily("body_weight", 80.0, 80.2, 81.0, 82.4)
    need = assess(readings, HF, {"body_weight": 24}, [], [], NOW)
    assert need.rag is Rag.RED
    assert need.reasons == ["weight up 2.4 kg in 3 days (now 82.4 kg): above red limit 2"]


def test_overdue_readings_are_amber_and_missing_ones_are_named() -> None:
    readings = _daily("spo2", 96, 95, 96, last=timedelta(days=2, hours=1))
    need = assess(readings, COPD, DEFAULT_SCHEDULE[Condition.COPD], [], [], NOW)
    assert need.rag is Rag.AMBER
    assert need.reasons[0].startswith("SpO2 reading overdue: last Mon 23 Nov 09:30 (2.0 days ago)")
    assert need.reasons[1] == "no pulse reading in the last 8 days (expected every 24 h)"


def test_unacknowledged_alerts_and_due_follow_ups_colour_the_person() -> None:
    readings = _daily("spo2", 96, 95, 96) + _daily("heart_rate", 72, 75, 70)
    schedule = DEFAULT_SCHEDULE[Condition.COPD]
    urgent = assess(readings, COPD, schedule, [OpenAlert(AlertSeverity.URGENT, "NEWS2 7")], [], NOW)
    warning = assess(readings, COPD, schedule, [OpenAlert(AlertSeverity.WARNING, "SpO2 drop")], [], NOW)
    follow_up = assess(readings, COPD, schedule, [], ["phone call: check inhaler technique"], NOW)
    assert (urgent.rag, urgent.reasons) == (Rag.RED, ["unacknowledged urgent alert: NEWS2 7"])
    assert (warning.rag, warning.reasons) == (Rag.AMBER, ["unacknowledged alert: SpO2 drop"])
    assert (follow_up.rag, follow_up.reasons) == (Rag.AMBER, ["follow-up due: phone call: check inhaler technique"])


def test_more_and_graver_reasons_score_higher_within_a_colour() -> None:
    schedule = DEFAULT_SCHEDULE[Condition.COPD]
    one_red = assess(_daily("spo2", 87) + _daily("heart_rate", 70), COPD, schedule, [], [], NOW)
    two_reds = assess(_daily("spo2", 87) + _daily("heart_rate", 125), COPD, schedule, [], [], NOW)
    assert two_reds.score > one_red.score > 0


def test_stepping_down_reads_less_often_and_widens_only_the_amber_limits() -> None:
    schedule, thresholds = stepped_down({"spo2": 24.0}, {"spo2": COPD["spo2"], "heart_rate": COPD["heart_rate"]})
    assert schedule == {"spo2": 72.0}
    assert (thresholds["spo2"].red_low, thresholds["spo2"].amber_low) == (88, 90.0)
    assert (thresholds["heart_rate"].amber_low, thresholds["heart_rate"].amber_high) == (45.0, 110.0)
    assert (thresholds["heart_rate"].red_low, thresholds["heart_rate"].red_high) == (40, 120)
