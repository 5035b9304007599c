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
    # Inactivity: threshold = learned day-maximum (pooled over neighbouring slots)
    # x factor, never below the floor; priors until enough days have been seen.
    inactivity_factor: float = 1.25
    inactivity_floor_minutes: int = 90
    inactivity_min_days: int = 5
    inactivity_pool_slots: int = 1
    # Rest hours: silences starting then are learned as one "night" context.
    rest_start: int = 21 * 60
    rest_end: int = 6 * 60
    inactivity_prior_minutes: dict[str, int] = msgspec.field(default_factory=lambda: {
        "bed": 14 * 60, "bedroom": 12 * 60, "night": 12 * 60, "seat": 6 * 60, "other": 4 * 60})
    # Late wake: alert at the learned late-usual time (quantile of past days) + margin.
    wake_quantile: float = 0.8
    wake_margin_minutes: int = 45
    wake_min_days: int = 3
    # Night: quiet hours for wandering and front-door alerts.
    night_start: int = 0
    night_end: int = 5 * 60
    asleep_after_minutes: int = 30
    night_excursion_minutes: int = 30
    night_trip_quantile: float = 0.9
    # Kitchen: alert at this time when the kitchen has not been used today.
    kitchen_deadline: int = 12 * 60
    kitchen_min_days: int = 4
    kitchen_usual_share: float = 0.8
    # Trend: night bathroom visits, recent nights against the nights before them.
    trend_recent_nights: int = 3
    trend_baseline_nights: int = 7
    trend_min_rise: float = 2.0
    muted: frozenset[DetectorKind] = frozenset()
