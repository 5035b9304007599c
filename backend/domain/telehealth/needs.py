"""How much a person on the caseload needs the hub now: red, amber or green, with the reasons.

Pure functions over a person's recent readings, open alerts and due follow-ups, so the worklist
order can be tested without a database. Red: a reading or trend past a red limit, or an urgent
alert nobody has acknowledged. Amber: past an amber limit, readings overdue, a warning alert, or a
follow-up due. The score orders people within a colour: more and graver reasons first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from statistics import median

import msgspec

from shared.telehealth import SPO2_DROP, WEIGHT_GAIN_3D, Limits
from shared.enums import AlertSeverity, Rag
from shared.timekeeping import to_london
from shared.vitals import CANONICAL_UNITS, VitalSign

HISTORY = timedelta(days=8)
"""The readings the caseload looks at: a week's SpO2 baseline before the latest reading."""

OVERDUE_GRACE = timedelta(hours=6)
"""A reading is overdue this long after its interval ends (people read at slightly different times)."""

RAG_RANK = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
_WEIGHT = {Rag.RED: 100.0, Rag.AMBER: 10.0}

_LABELS = {
    VitalSign.SPO2: "SpO2", VitalSign.HEART_RATE: "pulse", VitalSign.SYSTOLIC_BP: "systolic BP",
    VitalSign.DIASTOLIC_BP: "diastolic BP", VitalSign.BODY_WEIGHT: "weight", VitalSign.GLUCOSE: "blood glucose",
    VitalSign.RESPIRATORY_RATE: "breathing rate", VitalSign.TEMPERATURE: "temperature",
}
_UNITS = {"%": "%", "/min": "/min", "mm[Hg]": " mmHg", "kg": " kg", "mmol/L": " mmol/L", "Cel": " °C"}


class Reading(msgspec.Struct, frozen=True, array_like=True):
    """One stored reading as the caseload needs it."""

    sign: str
    value: float
    at: datetime


class OpenAlert(msgspec.Struct, frozen=True):
    """An alert about the person that nobody has acknowledged yet."""

    severity: AlertSeverity
    message: str


class Need(msgspec.Struct, frozen=True):
    """The caseload's verdict on one person."""

    rag: Rag
    reasons: list[str]
    score: float
    last_reading_at: datetime | None


def label(sign: str) -> str:
    """A sign's name as a nurse says it."""
    return _LABELS.get(sign, sign.replace("_", " "))  # type: ignore[call-overload]


def shown(sign: str, value: float) -> str:
    """A value with its unit, e.g. ``94%`` or ``82.4 kg``."""
    unit = CANONICAL_UNITS.get(sign)  # type: ignore[call-overload]  # a StrEnum key matches its plain value
    return f"{value:g}{_UNITS.get(unit or '', '')}"


def breach(value: float, limits: Limits) -> tuple[Rag, str] | None:
    """The colour a value breaches and the limit it crossed, or ``None`` inside the limits."""
    for rag, low, high in ((Rag.RED, limits.red_low, limits.red_high), (Rag.AMBER, limits.amber_low, limits.amber_high)):
        if low is not None and value < low:
            return rag, f"below {rag.value} limit {low:g}"
        if high is not None and value > high:
            return rag, f"above {rag.value} limit {high:g}"
    return None


def _latest(readings: Sequence[Reading]) -> dict[str, Reading]:
    latest: dict[str, Reading] = {}
    for reading in readings:
        if reading.sign not in latest or reading.at >= latest[reading.sign].at:
            latest[reading.sign] = reading
    return latest


def _trend_values(readings: Sequence[Reading], latest: dict[str, Reading]) -> dict[str, tuple[float, str]]:
    """The trend measures with their explanation: weight gained over 3 days, SpO2 drop below the week's median."""
    trends: dict[str, tuple[float, str]] = {}
    weight = latest.get(VitalSign.BODY_WEIGHT)
    if weight is not None:
        window = [r.value for r in readings
                  if r.sign == VitalSign.BODY_WEIGHT and weight.at - timedelta(days=3) <= r.at < weight.at]
        if window:
            gain = weight.value - min(window)
            trends[WEIGHT_GAIN_3D] = (gain, f"weight up {gain:.1f} kg in 3 days (now {weight.value:g} kg)")
    spo2 = latest.get(VitalSign.SPO2)
    if spo2 is not None:
        week = [r.value for r in readings if r.sign == VitalSign.SPO2 and spo2.at - timedelta(days=7) <= r.at < spo2.at]
        if len(week) >= 3:
            drop = median(week) - spo2.value
            trends[SPO2_DROP] = (drop, f"SpO2 {spo2.value:g}% is {drop:g} points below their usual {median(week):g}%")
    return trends


def _when(moment: datetime) -> str:
    return to_london(moment).strftime("%a %d %b %H:%M")


def assess(readings: Sequence[Reading], thresholds: dict[str, Limits], schedule: dict[str, float],
           alerts: Iterable[OpenAlert], follow_ups: Iterable[str], now: datetime) -> Need:
    """Red, amber or green for one person, every reason in plain words, and a score ordering within a colour."""
    found: list[tuple[Rag, str, float]] = []
    latest = _latest(readings)
    for sign, reading in latest.items():
        limits = thresholds.get(sign)
        crossed = breach(reading.value, limits) if limits is not None else None
        if crossed is not None:
            rag, how = crossed
            found.append((rag, f"{label(sign)} {shown(sign, reading.value)} {how} ({_when(reading.at)})", 0.0))
    for measure, (value, explanation) in _trend_values(readings, latest).items():
        limits = thresholds.get(measure)
        crossed = breach(value, limits) if limits is not None else None
        if crossed is not None:
            found.append((crossed[0], f"{explanation}: {crossed[1]}", 0.0))
    for sign, hours in schedule.items():
        due_by = timedelta(hours=float(hours)) + OVERDUE_GRACE
        last = latest.get(sign)
        if last is None:
            found.append((Rag.AMBER, f"no {label(sign)} reading in the last {HISTORY.days} days (expected every {float(hours):g} h)", 5.0))
        elif now - last.at > due_by:
            days = (now - last.at).total_seconds() / 86400
            found.append((Rag.AMBER, f"{label(sign)} reading overdue: last {_when(last.at)} ({days:.1f} days ago)",
                          min(days, 10.0)))
    for alert in alerts:
        if alert.severity is AlertSeverity.URGENT:
            found.append((Rag.RED, f"unacknowledged urgent alert: {alert.message}", 0.0))
        elif alert.severity is AlertSeverity.WARNING:
            found.append((Rag.AMBER, f"unacknowledged alert: {alert.message}", 0.0))
    found += [(Rag.AMBER, f"follow-up due: {text}", 1.0) for text in follow_ups]
    rag = min((rag for rag, _text, _extra in found), key=RAG_RANK.__getitem__, default=Rag.GREEN)
    ordered = sorted(found, key=lambda item: RAG_RANK[item[0]])
    score = sum(_WEIGHT[rag] + extra for rag, _text, extra in found)
    last_at = max((r.at for r in latest.values()), default=None)
    return Need(rag, [text for _rag, text, _extra in ordered], score, last_at)
