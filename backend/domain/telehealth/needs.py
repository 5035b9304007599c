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
from typing import Any

import msgspec

from shared.telehealth import SPO2_DROP, WEIGHT_GAIN_3D, Limits
from shared.enums import AlertSeverity, Rag
from shared.timekeeping import to_london
from shared.vitals import CANONICAL_UNITS, VitalSign

HISTORY = timedelta(days=8)
"""A sign's latest reading counts this long; older, the sign has no reading."""

TREND_WINDOW = timedelta(days=7)
"""The trends look this far back from a sign's latest reading (SpO2's usual level over the week before it)."""

LOOKBACK = HISTORY + TREND_WINDOW
"""The readings a person's need is made from."""

OVERDUE_GRACE = timedelta(hours=6)
"""A reading is overdue this long after its interval ends (people read at slightly different times)."""

RAG_RANK = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
WEIGHT = {Rag.RED: 100.0, Rag.AMBER: 10.0}
"""Each reason adds its colour's weight to the score; an overdue reading adds its days too (at most
``OVERDUE_DAYS_CAP``), a missing one ``MISSING_EXTRA`` and a due follow-up ``FOLLOW_UP_EXTRA``."""
OVERDUE_DAYS_CAP = 10.0
MISSING_EXTRA = 5.0
FOLLOW_UP_EXTRA = 1.0

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


TREND_SIGNS = {VitalSign.BODY_WEIGHT.value: WEIGHT_GAIN_3D, VitalSign.SPO2.value: SPO2_DROP}
"""The trend measured from each sign's latest reading."""


def _trend(readings: Sequence[Reading], latest: Reading) -> tuple[float, str] | None:
    """The trend measure of a sign's latest reading with its explanation: weight gained over 3 days, or SpO2
    drop below the week's median (the window ends at the latest reading, whatever the time now)."""
    if latest.sign == VitalSign.BODY_WEIGHT:
        window = [r.value for r in readings
                  if r.sign == latest.sign and latest.at - timedelta(days=3) <= r.at < latest.at]
        if window:
            gain = latest.value - min(window)
            return gain, f"weight up {gain:.1f} kg in 3 days (now {latest.value:g} kg)"
    elif latest.sign == VitalSign.SPO2:
        week = [r.value for r in readings if r.sign == latest.sign and latest.at - TREND_WINDOW <= r.at < latest.at]
        if len(week) >= 3:
            drop = median(week) - latest.value
            return drop, f"SpO2 {latest.value:g}% is {drop:g} points below their usual {median(week):g}%"
    return None


def _when(moment: datetime) -> str:
    return to_london(moment).strftime("%a %d %b %H:%M")


class SignState(msgspec.Struct, frozen=True, kw_only=True):
    """What one sign's readings say, whatever the time now: its latest reading, the limit that reading crossed
    and the limit its trend crossed (each as colour and reason), and the hours between readings it is due."""

    sign: str
    last_at: datetime | None
    reading_rag: Rag | None = None
    reading_reason: str = ""
    trend_rag: Rag | None = None
    trend_reason: str = ""
    expected_hours: float | None = None


def sign_states(readings: Sequence[Reading], thresholds: dict[str, Limits], schedule: dict[str, float]) -> list[SignState]:
    """Each sign read or scheduled, by name: the clock-free part of a person's need (what the caseload keeps)."""
    latest = _latest(readings)
    states = []
    for sign in sorted(set(latest) | set(schedule)):
        reading = latest.get(sign)
        hours = schedule.get(sign)
        found: dict[str, Any] = {"expected_hours": float(hours) if hours is not None else None}
        if reading is not None:
            limits = thresholds.get(sign)
            crossed = breach(reading.value, limits) if limits is not None else None
            if crossed is not None:
                found["reading_rag"] = crossed[0]
                found["reading_reason"] = f"{label(sign)} {shown(sign, reading.value)} {crossed[1]} ({_when(reading.at)})"
            trend = _trend(readings, reading)
            limits = thresholds.get(TREND_SIGNS.get(sign, ""))
            crossed = breach(trend[0], limits) if trend is not None and limits is not None else None
            if trend is not None and crossed is not None:
                found["trend_rag"], found["trend_reason"] = crossed[0], f"{trend[1]}: {crossed[1]}"
        states.append(SignState(sign=sign, last_at=reading.at if reading else None, **found))
    return states


def counts(state: SignState, now: datetime) -> bool:
    """Whether the sign's latest reading is recent enough to count at ``now``."""
    return state.last_at is not None and state.last_at >= now - HISTORY


def need_at(states: Sequence[SignState], schedule: dict[str, float], alerts: Iterable[OpenAlert],
            follow_ups: Iterable[str], now: datetime) -> Need:
    """Red, amber or green at ``now`` from the signs' states: limits and trends of readings that still count,
    readings overdue, open alerts and due follow-ups; every reason in plain words, and a score ordering
    within a colour."""
    found: list[tuple[Rag, str, float]] = []
    live = {state.sign: state for state in states if counts(state, now)}
    found += [(s.reading_rag, s.reading_reason, 0.0) for s in live.values() if s.reading_rag is not None]
    found += [(s.trend_rag, s.trend_reason, 0.0) for s in live.values() if s.trend_rag is not None]
    for sign, hours in schedule.items():
        due_by = timedelta(hours=float(hours)) + OVERDUE_GRACE
        last = live.get(sign)
        if last is None or last.last_at is None:
            found.append((Rag.AMBER, f"no {label(sign)} reading in the last {HISTORY.days} days (expected every {float(hours):g} h)", MISSING_EXTRA))
        elif now - last.last_at > due_by:
            days = (now - last.last_at).total_seconds() / 86400
            found.append((Rag.AMBER, f"{label(sign)} reading overdue: last {_when(last.last_at)} ({days:.1f} days ago)",
                          min(days, OVERDUE_DAYS_CAP)))
    for alert in alerts:
        if alert.severity is AlertSeverity.URGENT:
            found.append((Rag.RED, f"unacknowledged urgent alert: {alert.message}", 0.0))
        elif alert.severity is AlertSeverity.WARNING:
            found.append((Rag.AMBER, f"unacknowledged alert: {alert.message}", 0.0))
    found += [(Rag.AMBER, f"follow-up due: {text}", FOLLOW_UP_EXTRA) for text in follow_ups]
    rag = min((rag for rag, _text, _extra in found), key=RAG_RANK.__getitem__, default=Rag.GREEN)
    ordered = sorted(found, key=lambda item: RAG_RANK[item[0]])
    score = sum(WEIGHT[rag] + extra for rag, _text, extra in found)
    last_at = max((s.last_at for s in live.values() if s.last_at is not None), default=None)
    return Need(rag, [text for _rag, text, _extra in ordered], score, last_at)


def assess(readings: Sequence[Reading], thresholds: dict[str, Limits], schedule: dict[str, float],
           alerts: Iterable[OpenAlert], follow_ups: Iterable[str], now: datetime) -> Need:
    """Red, amber or green for one person straight from their readings (see :func:`need_at`)."""
    return need_at(sign_states(readings, thresholds, schedule), schedule, alerts, follow_ups, now)
