"""Not up by the usual time: no activity outside bedroom and bathroom by a learned deadline.

Getting-up times are modelled per home with a prior (a normal model on minutes after the
day starts; weekend mornings of their own, borrowing from weekdays at a lower weight),
and the check falls at a high quantile of the predictive, plus a margin, so a late
but ordinary morning does not prompt anyone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sensors.detectors.alerts import DetectorKind, clock
from sensors.detectors.first_use import FirstUseDetector, PastDay
from sensors.detectors.posterior import NormalModel
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules

# Being anywhere but the bedroom or bathroom means the person is up for the day.
UP_ROLES = frozenset({SensorRole.KITCHEN, SensorRole.DAY_ROOM, SensorRole.FRONT_DOOR, SensorRole.SEAT})


def wake_model(rules: ClientRules, history: list[PastDay], weekend: bool) -> NormalModel:
    """Getting-up minutes (after day start) for a weekend day or not, from the days the person got up."""
    prior = NormalModel.prior((rules.wake_prior - rules.day_start) % (24 * 60), rules.wake_prior_sd_minutes,
                              rules.wake_prior_days)
    other = rules.still_other_daytype_weight
    return prior.update([(day.minutes, 1.0 if day.weekend == weekend else other)
                         for day in history if day.minutes is not None])


def late_wake_detector(home: str, rules: ClientRules) -> FirstUseDetector:
    """A welfare check when the person is home and not up well past their usual time."""

    def deadline(history: list[PastDay], weekend: bool) -> float | None:
        if sum(1 for day in history if day.minutes is not None) < rules.wake_min_days:
            return None
        return wake_model(rules, history, weekend).quantile(rules.wake_check_quantile) + rules.wake_margin_minutes

    def explain(check_at: datetime, history: list[PastDay]) -> str:
        day_start = check_at.replace(hour=rules.day_start // 60, minute=rules.day_start % 60, second=0)
        model = wake_model(rules, history, check_at.weekday() >= 5)
        usual = day_start + timedelta(minutes=model.quantile(0.5))
        late = day_start + timedelta(minutes=model.quantile(0.9))
        return (f"not up at {clock(check_at)}: nothing outside the bedroom and bathroom since "
                f"{clock(day_start)}; usually up by {clock(usual)} (late days {clock(late)})")

    return FirstUseDetector(home, rules, DetectorKind.LATE_WAKE, UP_ROLES, deadline, explain,
                            require_stay_home=False, quiet=timedelta(minutes=rules.wake_quiet_minutes))
