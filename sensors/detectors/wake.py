"""Not up by the usual time: no activity outside bedroom and bathroom by a learned deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

from sensors.detectors.alerts import DetectorKind, clock
from sensors.detectors.daytime import quantile
from sensors.detectors.first_use import FirstUseDetector
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules
from shared.enums import AlertSeverity

# Being anywhere but the bedroom or bathroom means the person is up for the day.
UP_ROLES = frozenset({SensorRole.KITCHEN, SensorRole.DAY_ROOM, SensorRole.FRONT_DOOR, SensorRole.SEAT})


def late_wake_detector(home: str, rules: ClientRules) -> FirstUseDetector:
    """Alert when the person is home and not up by their late-usual time plus a margin."""

    def deadline(history: list[float]) -> float | None:
        if len(history) < rules.wake_min_days:
            return None
        return quantile(history, rules.wake_quantile) + rules.wake_margin_minutes

    def explain(check_at: datetime, history: list[float]) -> str:
        day_start = check_at.replace(hour=rules.day_start // 60, minute=rules.day_start % 60, second=0)
        usual = day_start + timedelta(minutes=quantile(history, 0.5))
        late = day_start + timedelta(minutes=quantile(history, rules.wake_quantile))
        return (f"not up at {clock(check_at)}: nothing outside the bedroom and bathroom since "
                f"{clock(day_start)}; usually up by {clock(usual)} (late days {clock(late)})")

    return FirstUseDetector(home, rules, DetectorKind.LATE_WAKE, UP_ROLES, deadline, explain,
                            AlertSeverity.URGENT, require_stay_home=False)
