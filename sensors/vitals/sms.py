"""Readings people text in themselves, as simple telehealth services take them.

"BP 132/84 P 71", "WT 82.4", "sats 94", "bg 6.2", "weight 82.4kg", "my sugar was 6.2 this morning":
a keyword names the sign and the number after it is the value; case, punctuation, units and extra
words do not matter, and a bare "132/84" is a blood pressure. What cannot be read is said back in
plain words with an example, never guessed and never dropped in silence.
"""

from __future__ import annotations

import re
from datetime import datetime

import msgspec

from sensors.vitals.ranges import validate, validate_pair
from sensors.vitals.units import VitalsError
from shared.vitals import VitalObservation, VitalSign

SOURCE = "sms"
EXAMPLE = "BP 132/84 P 71, WT 82.4, SATS 94 or BG 6.2"

# Keywords people use, by sign (matched whole, case-insensitive).
KEYWORDS: dict[str, VitalSign] = {
    **dict.fromkeys(("p", "pulse", "hr", "heart", "heartrate", "pr"), VitalSign.HEART_RATE),
    **dict.fromkeys(("wt", "w", "weight", "wgt", "weighed"), VitalSign.BODY_WEIGHT),
    **dict.fromkeys(("sats", "sat", "spo2", "o2", "ox", "oxygen", "sp02", "saturation", "saturations"), VitalSign.SPO2),
    **dict.fromkeys(("bg", "bs", "bm", "glucose", "sugar", "sugars", "cbg"), VitalSign.GLUCOSE),
    **dict.fromkeys(("t", "temp", "temperature"), VitalSign.TEMPERATURE),
    **dict.fromkeys(("rr", "resp", "breathing", "breaths"), VitalSign.RESPIRATORY_RATE),
}
_BP_WORDS = ("bp", "blood", "pressure", "b/p")
_CLOCK = ("am", "pm")  # "at 9am": a time, not a reading
_TOKEN = re.compile(r"(?P<time>\d{1,2}:\d{2})|(?P<pair>\d{2,3}\s*/\s*\d{2,3})|(?P<number>\d+(?:[.,]\d+)?)"
                    r"|(?P<word>spo2|sp02|o2|[a-z][a-z/']*)")
_LB_PER_KG = 2.20462


class Parsed(msgspec.Struct, frozen=True):
    """What a message said: the readings understood, and each part that could not be read, explained."""

    readings: list[VitalObservation]
    problems: list[str]


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _converted(sign: VitalSign, value: float, unit_word: str | None) -> float:
    """The value in the sign's canonical unit, from the unit the person typed or an unmistakable scale."""
    if sign is VitalSign.BODY_WEIGHT and unit_word in ("lb", "lbs", "pounds"):
        return round(value / _LB_PER_KG, 1)
    if sign is VitalSign.GLUCOSE and (unit_word in ("mg", "mg/dl") or value > 60):
        return round(value / 18.0, 1)  # mg/dL, as some meters show
    if sign is VitalSign.TEMPERATURE and (unit_word in ("f", "degf") or value > 50):
        return round((value - 32) * 5 / 9, 1)
    return value


def _reading(client: str, sign: VitalSign, value: float, at: datetime) -> VitalObservation:
    return validate(VitalObservation(client=client, sign=sign, value=value, time=at, source=SOURCE))


def _label(sign: VitalSign) -> str:
    return {VitalSign.HEART_RATE: "pulse", VitalSign.BODY_WEIGHT: "weight", VitalSign.SPO2: "sats",
            VitalSign.GLUCOSE: "blood sugar", VitalSign.TEMPERATURE: "temperature",
            VitalSign.RESPIRATORY_RATE: "breathing rate"}.get(sign, sign.value.replace("_", " "))


def parse_sms(text: str, client: str, at: datetime) -> Parsed:
    """Every reading in one text message, and what could not be read (each problem a sentence for the reply)."""
    readings: list[VitalObservation] = []
    problems: list[str] = []
    tokens = [(m.lastgroup, m.group(m.lastgroup or "")) for m in _TOKEN.finditer(text.lower())]
    pending: VitalSign | None = None
    for index, (kind, value) in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        unit_word = following[1] if following and following[0] == "word" else None
        if kind == "time" or (kind == "number" and unit_word in _CLOCK):
            continue
        if kind == "word":
            if value in KEYWORDS:
                pending = KEYWORDS[value]
            elif value in _BP_WORDS:
                pending = VitalSign.SYSTOLIC_BP
            continue
        if kind == "pair":
            systolic, diastolic = (_number(part) for part in re.split(r"\s*/\s*", value))
            try:
                pair = (_reading(client, VitalSign.SYSTOLIC_BP, systolic, at),
                        _reading(client, VitalSign.DIASTOLIC_BP, diastolic, at))
                validate_pair(*pair)
                readings.extend(pair)
            except VitalsError:
                problems.append(f"blood pressure {value.replace(' ', '')} does not look right; please check it")
            pending = None
            continue
        if pending is None or pending is VitalSign.SYSTOLIC_BP:
            what = "a blood pressure needs both numbers, like 132/84" if pending else "which reading it is"
            problems.append(f"could not tell what {value} is: {what}")
            pending = None
            continue
        converted = _converted(pending, _number(value), unit_word)
        try:
            readings.append(_reading(client, pending, converted, at))
        except VitalsError:
            problems.append(f"{_label(pending)} {value} does not look right; please check it")
        pending = None
    if pending is not None:
        problems.append(f"no number after {_label(pending) if pending is not VitalSign.SYSTOLIC_BP else 'BP'}")
    return Parsed(readings, problems)


def reply(parsed: Parsed) -> str:
    """The text sent back: what was received, what could not be read, and how to send it."""
    parts = []
    if parsed.readings:
        got = []
        for obs in parsed.readings:
            if obs.sign is VitalSign.DIASTOLIC_BP:
                got[-1] += f"/{obs.value:g}"
            else:
                got.append(f"{'BP' if obs.sign is VitalSign.SYSTOLIC_BP else _label(obs.sign)} {obs.value:g}")
        parts.append(f"Thank you, received: {', '.join(got)}.")
    if parsed.problems:
        parts.append(f"Sorry, {'; '.join(parsed.problems)}.")
    if not parsed.readings:
        parts.append(f"Nothing was recorded. Please send your reading like this: {EXAMPLE}.")
    elif parsed.problems:
        parts.append(f"For example: {EXAMPLE}.")
    return " ".join(parts)
