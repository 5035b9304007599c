"""Condition-specific rules: heart-failure weight gain, COPD oxygen saturation, diabetic glucose."""

from __future__ import annotations

from datetime import timedelta
from statistics import median

import msgspec

from sensors.vitals.alerts import VitalsAlert
from shared.enums import AlertSeverity
from shared.vitals import VitalObservation, VitalSign


class VitalsProfile(msgspec.Struct, frozen=True, kw_only=True):
    """What the care plan says about a client's conditions and personal targets."""

    client: str
    hypercapnic: bool = False  # use NEWS2 SpO2 scale 2
    heart_failure: bool = False
    copd: bool = False
    diabetes: bool = False
    spo2_target: tuple[float, float] = (94.0, 98.0)  # typically 88–92 for hypercapnic COPD
    spo2_baseline: float | None = None  # learned from history when not set
    weight_gain_kg: float = 2.0
    weight_gain_days: int = 3
    weight_trend_kg_per_week: float = 1.0
    hypo_mmol: float = 3.9
    hypo_level2_mmol: float = 3.0
    hyper_mmol: float = 13.9
    expected_every: dict[VitalSign, timedelta] = msgspec.field(default_factory=dict)


def _of(history: list[VitalObservation], sign: VitalSign) -> list[VitalObservation]:
    return sorted((obs for obs in history if obs.sign is sign), key=lambda obs: obs.time)


def _alert(obs: VitalObservation, rule: str, severity: AlertSeverity, text: str) -> VitalsAlert:
    return VitalsAlert(client=obs.client, at=obs.time, rule=rule, severity=severity, explanation=text)


def weight_alerts(new: VitalObservation, history: list[VitalObservation], profile: VitalsProfile) -> list[VitalsAlert]:
    """Gain over the short window against its lowest reading, and the per-person weekly trend."""
    past = [obs for obs in _of(history, VitalSign.BODY_WEIGHT) if obs.time < new.time]
    alerts = []
    window = [obs for obs in past if new.time - obs.time <= timedelta(days=profile.weight_gain_days)]
    if window:
        lowest = min(window, key=lambda obs: obs.value)
        gain = new.value - lowest.value
        if gain > profile.weight_gain_kg:
            alerts.append(_alert(new, "weight_gain", AlertSeverity.URGENT,
                                 f"weight up {gain:.1f} kg in {(new.time - lowest.time).days or 1} days "
                                 f"({lowest.value:.1f} → {new.value:.1f} kg): possible fluid retention, "
                                 f"check for breathlessness and ankle swelling"))
    recent = [obs for obs in past if new.time - obs.time <= timedelta(days=14)] + [new]
    if len(recent) >= 5 and not alerts:
        # Least-squares slope in kg per week through this person's own recent readings.
        xs = [(obs.time - recent[0].time).total_seconds() / (7 * 86400) for obs in recent]
        ys = [obs.value for obs in recent]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        spread = sum((x - mean_x) ** 2 for x in xs)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else 0.0
        if slope >= profile.weight_trend_kg_per_week:
            alerts.append(_alert(new, "weight_trend", AlertSeverity.WARNING,
                                 f"weight rising {slope:.1f} kg a week over {len(recent)} readings "
                                 f"(limit {profile.weight_trend_kg_per_week:g})"))
    return alerts


def spo2_alerts(new: VitalObservation, history: list[VitalObservation], profile: VitalsProfile) -> list[VitalsAlert]:
    """Below the person's target range, or ≥3 points below their baseline (COPD)."""
    low, high = profile.spo2_target
    if new.value < low:
        return [_alert(new, "spo2_below_target", AlertSeverity.URGENT,
                       f"SpO2 {new.value:g}% is below this person's target range {low:g}–{high:g}%")]
    past = [obs.value for obs in _of(history, VitalSign.SPO2)
            if obs.time < new.time and new.time - obs.time <= timedelta(days=14)]
    baseline = profile.spo2_baseline if profile.spo2_baseline is not None else (median(past) if len(past) >= 3 else None)
    if baseline is not None and baseline - new.value >= 3:
        return [_alert(new, "spo2_drop", AlertSeverity.WARNING,
                       f"SpO2 {new.value:g}% is {baseline - new.value:g} points below this person's baseline "
                       f"{baseline:g}%: possible exacerbation")]
    return []


def glucose_alerts(new: VitalObservation, profile: VitalsProfile) -> list[VitalsAlert]:
    """Hypoglycaemia level 1 / level 2 and hyperglycaemia."""
    value = new.value
    if value < profile.hypo_level2_mmol:
        return [_alert(new, "hypoglycaemia_level_2", AlertSeverity.URGENT,
                       f"glucose {value:.1f} mmol/L: level 2 hypoglycaemia (< {profile.hypo_level2_mmol:g}), "
                       f"treat now and recheck in 15 min")]
    if value < profile.hypo_mmol:
        return [_alert(new, "hypoglycaemia", AlertSeverity.WARNING,
                       f"glucose {value:.1f} mmol/L: hypoglycaemia (< {profile.hypo_mmol:g})")]
    if value > profile.hyper_mmol:
        return [_alert(new, "hyperglycaemia", AlertSeverity.WARNING,
                       f"glucose {value:.1f} mmol/L: hyperglycaemia (> {profile.hyper_mmol:g}); check ketones if unwell")]
    return []
