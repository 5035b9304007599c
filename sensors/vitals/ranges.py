"""Physiologically possible ranges: anything outside is a device or typing error, not a patient."""

from __future__ import annotations

import math

from sensors.vitals.units import VitalsError
from shared.vitals import CANONICAL_UNITS, VitalObservation, VitalSign

POSSIBLE: dict[VitalSign, tuple[float, float]] = {
    VitalSign.RESPIRATORY_RATE: (1, 80),
    VitalSign.HEART_RATE: (20, 300),
    VitalSign.SPO2: (40, 100),
    VitalSign.TEMPERATURE: (25, 45),
    VitalSign.SYSTOLIC_BP: (40, 300),
    VitalSign.DIASTOLIC_BP: (20, 200),
    VitalSign.BODY_WEIGHT: (20, 400),
    VitalSign.GLUCOSE: (0.5, 60),
    VitalSign.SUPPLEMENTAL_OXYGEN: (0, 1),
    VitalSign.CONSCIOUSNESS: (0, 4),
    VitalSign.BODY_HEIGHT: (30, 250),
    VitalSign.BMI: (5, 100),
    VitalSign.MEAN_BP: (20, 250),
}


def validate(observation: VitalObservation) -> VitalObservation:
    """The observation itself, or ``VitalsError`` naming the sign, value and possible range."""
    low, high = POSSIBLE[observation.sign]
    value = observation.value
    if not math.isfinite(value) or not low <= value <= high:
        unit = CANONICAL_UNITS[observation.sign]
        raise VitalsError(f"{observation.sign.value.replace('_', ' ')} {value:g} {unit} is physiologically impossible "
                          f"(possible range {low:g}–{high:g} {unit})")
    if observation.time.tzinfo is None:
        raise VitalsError("reading time must carry a time zone")
    return observation


def validate_pair(systolic: VitalObservation, diastolic: VitalObservation) -> None:
    """A blood pressure whose diastolic is not below its systolic is a misreading."""
    if diastolic.value >= systolic.value:
        raise VitalsError(f"blood pressure {systolic.value:g}/{diastolic.value:g} mm[Hg]: diastolic must be below systolic")
