"""Per-client rules a supervisor can adjust on top of what the detectors learn."""

from __future__ import annotations

import msgspec

from sensors.detectors.alerts import DetectorKind


def clock_minutes(text: str) -> int:
    """``"07:30"`` → 450 minutes after midnight."""
    hours, minutes = text.split(":")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value < 24 * 60:
        raise ValueError(f"not a time of day: {text!r}")
    return value


class ClientRules(msgspec.Struct, frozen=True, kw_only=True):
    """Thresholds and quiet hours for one client; the defaults suit most homes.

    Clock times are minutes after midnight in the home's local time.
    """

    slot_minutes: int = 30
    # The day starts at 04:00 so a late night belongs to the evening before it.
    day_start: int = 4 * 60
    # Still periods (inactivity): per context and slot, each past day's longest still period is
    # modelled on a log scale with a prior (median minutes by day, in rest hours; spread; weight in
    # days); a slot borrows from the context's other slots (its half of the day) and from days of
    # the other type (weekday/weekend) at lower weights. A silence beyond the predictive
    # ``still_check_quantile`` asks the person; beyond ``still_urgent_quantile`` it alarms staff.
    still_prior_minutes: dict[str, tuple[int, int]] = msgspec.field(default_factory=lambda: {
        "bed": (120, 480), "seat": (150, 240), "risen": (30, 60), "bedroom": (90, 480),
        "night": (240, 480), "other": (60, 240)})
    still_prior_log_sd: float = 0.7
    still_prior_days: float = 2.0
    still_broad_days: float = 3.0
    still_other_daytype_weight: float = 0.5
    still_pool_slots: int = 2
    still_check_quantile: float = 0.9
    # On a pressed bed or chair pad the person is resting where they sat down (a fall releases
    # the pad): long still spells there are ordinary, so they need more to prompt a check.
    still_check_quantile_on_pad: float = 0.98
    # Each home keeps its own checks near this many a day: checks the person turned out not to
    # need (the silence ended by itself) tighten its check quantile; the budget starts as a prior
    # worth ``still_budget_prior_days`` days.
    still_check_budget_per_day: float = 0.15
    still_budget_prior_days: float = 7.0
    still_urgent_quantile: float = 0.9995
    # Never a check before ``still_floor_minutes`` of stillness nor an alarm before the urgent floor;
    # and whatever the history, a silence at home this long is always checked, then alarmed.
    still_floor_minutes: int = 60
    still_urgent_floor_minutes: int = 240
    still_check_cap_minutes: int = 14 * 60
    still_urgent_cap_minutes: int = 24 * 60
    # Rest hours: silences starting then outside bed and chair are one "night" context.
    rest_start: int = 21 * 60
    rest_end: int = 6 * 60
    # Late wake: a check at the predictive ``wake_check_quantile`` of getting-up times (prior:
    # 08:00, spread, weight in days) plus a margin, deferred while the person stirs (toilet trips).
    wake_prior: int = 8 * 60
    wake_prior_sd_minutes: float = 90.0
    wake_prior_days: float = 2.0
    wake_check_quantile: float = 0.98
    wake_margin_minutes: int = 30
    wake_quiet_minutes: int = 60
    wake_min_days: int = 3
    # Night: quiet hours for wandering and front-door alerts.
    night_start: int = 0
    night_end: int = 5 * 60
    asleep_after_minutes: int = 30
    night_excursion_minutes: int = 30
    night_trip_quantile: float = 0.9
    night_trip_gap_minutes: int = 20
    # Kitchen: alert at this time when the kitchen has not been used today.
    kitchen_deadline: int = 12 * 60
    kitchen_min_days: int = 4
    kitchen_usual_share: float = 0.8
    # Trend: night bathroom visits, recent nights against the nights before them.
    trend_recent_nights: int = 3
    trend_baseline_nights: int = 7
    trend_min_rise: float = 2.0
    muted: frozenset[DetectorKind] = frozenset()
