"""No kitchen use by midday, for people who normally use the kitchen every morning."""

from __future__ import annotations

from datetime import datetime

from sensors.detectors.alerts import DetectorKind, clock
from sensors.detectors.first_use import FirstUseDetector, PastDay
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules


def kitchen_detector(home: str, rules: ClientRules) -> FirstUseDetector:
    """A welfare check at the kitchen deadline if the kitchen is unused today but usually used by then."""
    deadline_after_start = (rules.kitchen_deadline - rules.day_start) % (24 * 60)

    def usual_share(history: list[PastDay]) -> float:
        return sum(1 for day in history if day.minutes is not None and day.minutes <= deadline_after_start) / len(history)

    def deadline(history: list[PastDay], weekend: bool) -> float | None:
        # Only for people whose mornings reliably include the kitchen: otherwise it is noise.
        if len(history) < rules.kitchen_min_days or usual_share(history) < rules.kitchen_usual_share:
            return None
        return deadline_after_start

    def explain(check_at: datetime, history: list[PastDay]) -> str:
        return (f"no kitchen use by {clock(check_at)} today; the kitchen was used by then on "
                f"{usual_share(history):.0%} of {len(history)} days at home")

    return FirstUseDetector(home, rules, DetectorKind.NO_KITCHEN, frozenset({SensorRole.KITCHEN}), deadline, explain,
                            require_stay_home=True)
