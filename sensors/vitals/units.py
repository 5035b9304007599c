"""UCUM units each vital sign accepts and their conversion to the canonical unit."""

from __future__ import annotations

from collections.abc import Callable

from shared.vitals import CANONICAL_UNITS, VitalSign

GLUCOSE_MG_PER_MMOL = 18.016  # molar mass of glucose / 10


def _same(value: float) -> float:
    return value


_RATE = {"/min": _same, "{breaths}/min": _same, "{beats}/min": _same, "min-1": _same}
_CONVERTERS: dict[VitalSign, dict[str, Callable[[float], float]]] = {
    VitalSign.RESPIRATORY_RATE: _RATE,
    VitalSign.HEART_RATE: _RATE,
    VitalSign.SPO2: {"%": _same, "1": lambda fraction: fraction * 100},
    VitalSign.TEMPERATURE: {"Cel": _same, "[degF]": lambda f: (f - 32) * 5 / 9},
    VitalSign.SYSTOLIC_BP: {"mm[Hg]": _same},
    VitalSign.DIASTOLIC_BP: {"mm[Hg]": _same},
    VitalSign.BODY_WEIGHT: {"kg": _same, "g": lambda grams: grams / 1000, "[lb_av]": lambda lb: lb * 0.45359237},
    VitalSign.GLUCOSE: {"mmol/L": _same, "mg/dL": lambda mg: mg / GLUCOSE_MG_PER_MMOL,
                        "g/L": lambda grams: grams * 100 / GLUCOSE_MG_PER_MMOL, "umol/L": lambda umol: umol / 1000},
    VitalSign.SUPPLEMENTAL_OXYGEN: {"1": _same},
    VitalSign.CONSCIOUSNESS: {"1": _same},
    VitalSign.BODY_HEIGHT: {"cm": _same, "m": lambda metres: metres * 100, "[in_i]": lambda inches: inches * 2.54},
    VitalSign.BMI: {"kg/m2": _same},
    VitalSign.MEAN_BP: {"mm[Hg]": _same},
}


class VitalsError(ValueError):
    """A reading that cannot be accepted; the message says why in words a user understands."""


def as_number(raw: object, where: str) -> float:
    """``raw`` as a float, or ``VitalsError`` naming ``where`` (booleans, non-numbers and ints no float holds)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise VitalsError(f"{where} must be a number")
    try:
        return float(raw)
    except OverflowError:
        raise VitalsError(f"{where} is too large to be a reading") from None


def as_unit(raw: object, where: str) -> str | None:
    """A UCUM unit string (None when absent), or ``VitalsError`` naming ``where``."""
    if raw is not None and not isinstance(raw, str):
        raise VitalsError(f"{where} must be a UCUM unit string")
    return raw


def to_canonical(sign: VitalSign, value: float, unit: str | None) -> float:
    """``value`` in ``unit`` converted to the sign's canonical unit (None means already canonical)."""
    converters = _CONVERTERS[sign]
    unit = CANONICAL_UNITS[sign] if unit is None else unit
    converter = converters.get(unit)
    if converter is None:
        raise VitalsError(f"{sign.value.replace('_', ' ')}: unit {unit!r} not accepted (use {', '.join(converters)})")
    return converter(value)
