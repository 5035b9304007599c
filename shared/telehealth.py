"""Telehealth programmes: defaults per condition, their limits contract, and what a step-down changes.

Thresholds map a measure (a vital sign, or a trend such as weight gained over three days) to its
amber and red limits; the schedule maps a sign to the hours between readings. The defaults follow
common community practice (BTS oxygen targets for COPD, NICE heart-failure weight-gain advice, the
ADA hypoglycaemia levels); a clinician adjusts them per person at enrolment.
"""

from __future__ import annotations

import msgspec

from shared.enums import Condition
from shared.vitals import VitalSign

def hub_tenancy_code(hub_code: str) -> str:
    """The code of a hub's own tenancy (its ``hub_only`` provider row) for people without home care."""
    return f"HUB-{hub_code}"[:32]


def hub_client_ref(hub_code: str, client_id: int) -> str:
    """The reference of a person in a hub's own tenancy: the hub's code and the client's id."""
    return f"{hub_code[:20]}-{client_id:06d}"


WEIGHT_GAIN_3D = "weight_gain_3d"  # kg gained against the lowest weight of the three days before
SPO2_DROP = "spo2_drop"  # points below the person's own median of the week before
TRENDS = (WEIGHT_GAIN_3D, SPO2_DROP)


class Limits(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Amber and red limits of one measure; a reading below a low or above a high limit breaches it."""

    red_low: float | None = None
    amber_low: float | None = None
    amber_high: float | None = None
    red_high: float | None = None


_HEART_RATE = Limits(red_low=40, amber_low=50, amber_high=100, red_high=120)
_TEMPERATURE = Limits(red_low=35.0, amber_low=36.0, amber_high=37.8, red_high=38.5)

DEFAULT_THRESHOLDS: dict[Condition, dict[str, Limits]] = {
    Condition.COPD: {
        VitalSign.SPO2: Limits(red_low=88, amber_low=92),
        SPO2_DROP: Limits(amber_high=3, red_high=5),
        VitalSign.HEART_RATE: _HEART_RATE,
        VitalSign.RESPIRATORY_RATE: Limits(amber_high=21, red_high=25),
        VitalSign.TEMPERATURE: _TEMPERATURE,
    },
    Condition.HEART_FAILURE: {
        WEIGHT_GAIN_3D: Limits(amber_high=1.0, red_high=2.0),
        VitalSign.SYSTOLIC_BP: Limits(red_low=90, amber_low=100, amber_high=160, red_high=180),
        VitalSign.HEART_RATE: _HEART_RATE,
        VitalSign.SPO2: Limits(red_low=90, amber_low=94),
    },
    Condition.DIABETES: {
        VitalSign.GLUCOSE: Limits(red_low=3.0, amber_low=3.9, amber_high=13.9, red_high=20.0),
        VitalSign.SYSTOLIC_BP: Limits(amber_high=160, red_high=180),
    },
}
"""Limits per condition, by measure."""

DEFAULT_SCHEDULE: dict[Condition, dict[str, float]] = {
    Condition.COPD: {VitalSign.SPO2: 24, VitalSign.HEART_RATE: 24},
    Condition.HEART_FAILURE: {VitalSign.BODY_WEIGHT: 24, VitalSign.SYSTOLIC_BP: 24, VitalSign.HEART_RATE: 24},
    Condition.DIABETES: {VitalSign.GLUCOSE: 12},
}
"""Hours between expected readings, per condition and sign."""

DEFAULT_DEVICES: dict[Condition, list[str]] = {
    Condition.COPD: ["pulse oximeter"],
    Condition.HEART_FAILURE: ["bathroom scales", "blood-pressure monitor"],
    Condition.DIABETES: ["blood-glucose meter"],
}

DEFAULT_EDUCATION: dict[Condition, list[str]] = {
    Condition.COPD: ["using your pulse oximeter", "your rescue pack and when to start it", "breathing techniques"],
    Condition.HEART_FAILURE: ["weigh yourself every morning before breakfast", "fluid and salt advice",
                              "signs of fluid build-up: ankles, breathlessness"],
    Condition.DIABETES: ["testing your blood sugar", "treating a hypo", "sick-day rules"],
}

STEP_DOWN_READING_FACTOR = 3.0
"""A stepped-down person takes readings this many times less often."""

STEP_DOWN_WIDENING = 0.5
"""A stepped-down person's amber limits move this share of the way towards the red ones."""


def widened(limits: Limits) -> Limits:
    """Wider amber limits for a stable person: fewer ambers, the same reds."""
    def towards(amber: float | None, red: float | None) -> float | None:
        if amber is None or red is None:
            return amber
        return round(amber + (red - amber) * STEP_DOWN_WIDENING, 2)

    return Limits(red_low=limits.red_low, amber_low=towards(limits.amber_low, limits.red_low),
                  amber_high=towards(limits.amber_high, limits.red_high), red_high=limits.red_high)


def stored_limits(thresholds: dict[str, Limits]) -> dict[str, dict[str, float]]:
    """Thresholds as plain JSON for a database column."""
    return {str(measure): msgspec.to_builtins(limits) for measure, limits in thresholds.items()}


def stepped_down(schedule: dict[str, float], thresholds: dict[str, Limits]) -> tuple[dict[str, float], dict[str, Limits]]:
    """The schedule and thresholds of a stepped-down programme: fewer readings, wider thresholds."""
    return ({sign: hours * STEP_DOWN_READING_FACTOR for sign, hours in schedule.items()},
            {measure: widened(limits) for measure, limits in thresholds.items()})
