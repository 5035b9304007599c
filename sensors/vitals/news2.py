"""NEWS2 (Royal College of Physicians, 2017): the full scoring table and the clinical response."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from shared.enums import AlertSeverity
from shared.vitals import VitalSign

# Bands as (upper bound inclusive, points); the last band catches everything above.
Bands = Sequence[tuple[float, int]]
RESPIRATION: Bands = ((8, 3), (11, 1), (20, 0), (24, 2), (float("inf"), 3))
SPO2_SCALE_1: Bands = ((91, 3), (93, 2), (95, 1), (float("inf"), 0))
SPO2_SCALE_2_AIR: Bands = ((83, 3), (85, 2), (87, 1), (float("inf"), 0))
SPO2_SCALE_2_OXYGEN: Bands = ((83, 3), (85, 2), (87, 1), (92, 0), (94, 1), (96, 2), (float("inf"), 3))
SYSTOLIC: Bands = ((90, 3), (100, 2), (110, 1), (219, 0), (float("inf"), 3))
PULSE: Bands = ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2), (float("inf"), 3))
TEMPERATURE: Bands = ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1), (float("inf"), 2))
REQUIRED = (VitalSign.RESPIRATORY_RATE, VitalSign.SPO2, VitalSign.SYSTOLIC_BP, VitalSign.HEART_RATE,
            VitalSign.TEMPERATURE)


def band(value: float, bands: Bands) -> int:
    """Points for a value (values between integer bounds fall in the band below, e.g. 20.5 → the 21–24 band)."""
    for upper, points in bands:
        if value <= upper:
            return points
    raise AssertionError("the last band is unbounded")


class News2(msgspec.Struct, frozen=True):
    """A NEWS2 result: total, points per parameter, and what it asks for."""

    total: int
    points: dict[str, int]
    missing: list[str]
    severity: AlertSeverity | None
    response: str


def score(readings: dict[VitalSign, float], hypercapnic: bool = False) -> News2:
    """NEWS2 from the latest readings; SpO2 scale 2 when the person has hypercapnic respiratory failure.

    Oxygen defaults to air and consciousness to Alert when not reported; missing
    measured parameters are listed and the score is computed on what is present.
    """
    on_oxygen = readings.get(VitalSign.SUPPLEMENTAL_OXYGEN, 0.0) > 0
    points: dict[str, int] = {}
    if VitalSign.RESPIRATORY_RATE in readings:
        points["respiration rate"] = band(readings[VitalSign.RESPIRATORY_RATE], RESPIRATION)
    if VitalSign.SPO2 in readings:
        scale = (SPO2_SCALE_2_OXYGEN if on_oxygen else SPO2_SCALE_2_AIR) if hypercapnic else SPO2_SCALE_1
        points["SpO2 scale 2" if hypercapnic else "SpO2"] = band(readings[VitalSign.SPO2], scale)
    points["air or oxygen"] = 2 if on_oxygen else 0
    if VitalSign.SYSTOLIC_BP in readings:
        points["systolic BP"] = band(readings[VitalSign.SYSTOLIC_BP], SYSTOLIC)
    if VitalSign.HEART_RATE in readings:
        points["pulse"] = band(readings[VitalSign.HEART_RATE], PULSE)
    # Any of new confusion, voice, pain or unresponsive scores 3.
    points["consciousness"] = 3 if readings.get(VitalSign.CONSCIOUSNESS, 0.0) > 0 else 0
    if VitalSign.TEMPERATURE in readings:
        points["temperature"] = band(readings[VitalSign.TEMPERATURE], TEMPERATURE)
    total = sum(points.values())
    missing = [sign.value for sign in REQUIRED if sign not in readings]
    if total >= 7:
        severity, response = AlertSeverity.EMERGENCY, "high: emergency assessment (999 / clinical team now)"
    elif total >= 5:
        severity, response = AlertSeverity.URGENT, "medium: urgent review by a clinician"
    elif 3 in points.values():
        severity, response = AlertSeverity.URGENT, "low-medium: a single parameter scored 3, urgent review"
    elif total >= 1:
        severity, response = AlertSeverity.INFO, "low: inform the clinical team, increase monitoring"
    else:
        severity, response = None, "routine monitoring"
    return News2(total, points, missing, severity, response)
