"""The evaluation's measure, intervals and day re-sampling, checked against values worked out by hand."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from sensors.adapters.replay.recording import load_recording
from sensors.detectors import DetectorAlert, DetectorKind
from sensors.evaluation.days import fits_after, resample, split_days, stitch, whole_days
from sensors.evaluation.intervals import mean_interval, proportion, rate
from sensors.evaluation.replay import detect
from sensors.evaluation.scoring import detection
from sensors.evaluation.synthetic import synthetic_home
from shared.enums import ResponseTier

T0 = datetime(2024, 5, 6, 14, 0)


def finding(minutes: float, tier: ResponseTier) -> DetectorAlert:
    return DetectorAlert(home="h", at=T0 + timedelta(minutes=minutes), kind=DetectorKind.INACTIVITY, severity=tier,
                 explanation="x")


def test_a_check_counts_when_it_would_have_escalated_an_urgent_alert_at_once():
    end = T0 + timedelta(hours=12)
    found = detection([finding(-30, ResponseTier.CHECK), finding(90, ResponseTier.CHECK)], T0, end)
    assert found.at == T0 + timedelta(minutes=105) and found.by == "inactivity"
    found = detection([finding(90, ResponseTier.CHECK), finding(100, ResponseTier.URGENT)], T0, end)
    assert found.at == T0 + timedelta(minutes=100)  # the alarm beats the check's escalation at 105
    assert detection([finding(60, ResponseTier.URGENT)], T0, T0 + timedelta(minutes=30)).at is None


def test_intervals_match_the_textbook_values():
    # Clopper-Pearson for 18 of 18: the lower bound solves p^18 = 0.025.
    assert proportion(18, 18)["ci95"] == [round(0.025 ** (1 / 18), 3), 1.0]
    # Garwood: none in 28 days -> upper -ln(0.025)/28; three events -> [0.6187, 8.7673] (standard tables).
    assert rate(0, 28, 0.05)["ci95"] == [0.0, round(3.6889 / 28, 4)]
    assert rate(3, 1)["ci95"] == [0.6187, 8.7673]
    assert rate(0, 28, 0.05)["verdict"].startswith("not resolvable on 28 days")
    assert rate(0, 80, 0.05)["verdict"] == "meets target"
    assert rate(12, 20, 0.3)["verdict"] == "misses target"
    figure = mean_interval([1.0, 2.0, 3.0, 4.0])
    assert figure["mean"] == 2.5 and figure["max"] == 4.0 and 1.0 <= figure["ci95"][0] < 2.5 < figure["ci95"][1] <= 4.0


@pytest.fixture
def kasteren_days(kasteren_path):
    return split_days(load_recording(kasteren_path, "kasteren"))


def test_care_days_cover_the_recording_and_know_the_absences(kasteren_days):
    assert sum(len(day.events) for day in kasteren_days) == 2638
    away = [day.start.date().isoformat() for day in kasteren_days if not day.home_at_start and not day.home_at_end]
    # The resident was away on 1, 9 and 22 March (SOURCE.md); the last, cut-off day began away too.
    assert away == ["2008-03-01", "2008-03-09", "2008-03-22", "2008-03-23"]


def test_resampled_days_keep_day_kinds_and_presence_at_the_seams(kasteren_days):
    whole = whole_days(kasteren_days)
    first = kasteren_days[0].start
    chosen = resample(whole, 28, first, random.Random(5))
    assert all(fits_after(a, b) for a, b in zip(chosen, chosen[1:]))
    # Presence comes first: after an absence only days that began away fit, whatever their kind.
    kinds_kept = sum(day.weekend == ((first + timedelta(days=n)).weekday() >= 5) for n, day in enumerate(chosen))
    assert kinds_kept >= 0.85 * len(chosen)
    laid = stitch(chosen, first, "k")
    assert [e.time for e in laid.events] == sorted(e.time for e in laid.events)
    assert laid.events[-1].time < first + timedelta(days=28)


def test_synthetic_homes_differ_and_their_quiet_fortnight_raises_no_alarm():
    homes = [synthetic_home(number, 14) for number in range(3)]
    assert len({len(home.events) for home in homes}) == 3
    for home in homes:
        findings = detect(home.home, home.events)
        assert [f for f in findings if f.severity is ResponseTier.URGENT] == []
        assert len(findings) <= 0.3 * 14
