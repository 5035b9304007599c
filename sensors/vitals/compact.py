"""The compact JSON form hubs may send instead of FHIR.

``{"time": "2024-05-01T09:00:00Z", "heart_rate": 72, "spo2": 95, "temperature": {"value": 99.1,
"unit": "[degF]"}, "on_oxygen": false, "consciousness": "A"}``; a bare number is in the canonical unit.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec

from sensors.vitals.ranges import validate, validate_pair
from sensors.vitals.units import VitalsError, as_number, as_unit, to_canonical
from shared.vitals import VitalObservation, VitalSign

SOURCE = "compact"
ACVPU = {"A": 0.0, "C": 1.0, "V": 2.0, "P": 3.0, "U": 4.0}
_MEASURED = {sign.value: sign for sign in VitalSign
             if sign not in (VitalSign.SUPPLEMENTAL_OXYGEN, VitalSign.CONSCIOUSNESS)}


def _reading(key: str, raw: Any) -> tuple[float, str | None]:
    if isinstance(raw, dict):
        raw, unit = raw.get("value"), as_unit(raw.get("unit"), f"{key}.unit")
    else:
        unit = None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise VitalsError(f"{key} must be a number or {{\"value\": number, \"unit\": UCUM}}")
    return as_number(raw, key), unit


def parse_compact(data: bytes, client: str) -> list[VitalObservation]:
    """Validated observations from one compact reading set for ``client``."""
    try:
        body = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise VitalsError(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise VitalsError("body is nested too deeply") from None
    if not isinstance(body, dict):
        raise VitalsError("expected a JSON object")
    try:
        text = body.pop("time")
        if not isinstance(text, str):
            raise ValueError(text)
        time = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if time.tzinfo is not None:
            time.astimezone(timezone.utc)  # a UTC offset at the very edge of the calendar overflows
    except (KeyError, ValueError, OverflowError):
        raise VitalsError("time is required as an ISO 8601 date-time with a time zone") from None
    observations: dict[VitalSign, VitalObservation] = {}

    def add(sign: VitalSign, value: float) -> None:
        observations[sign] = validate(VitalObservation(client=client, sign=sign, value=value, time=time, source=SOURCE))

    for key, raw in body.items():
        if key in _MEASURED:
            value, unit = _reading(key, raw)
            add(_MEASURED[key], to_canonical(_MEASURED[key], value, unit))
        elif key == "on_oxygen":
            if not isinstance(raw, bool):
                raise VitalsError("on_oxygen must be true or false")
            add(VitalSign.SUPPLEMENTAL_OXYGEN, 1.0 if raw else 0.0)
        elif key == "consciousness":
            if not isinstance(raw, str) or raw not in ACVPU:
                raise VitalsError("consciousness must be one of A, C (new confusion), V, P, U")
            add(VitalSign.CONSCIOUSNESS, ACVPU[raw])
        else:
            raise VitalsError(f"unknown field {key!r} (accepted: time, {', '.join(_MEASURED)}, on_oxygen, consciousness)")
    if not observations:
        raise VitalsError("no readings in body")
    if (VitalSign.SYSTOLIC_BP in observations) != (VitalSign.DIASTOLIC_BP in observations):
        raise VitalsError("blood pressure needs both systolic_bp and diastolic_bp")
    if VitalSign.SYSTOLIC_BP in observations:
        validate_pair(observations[VitalSign.SYSTOLIC_BP], observations[VitalSign.DIASTOLIC_BP])
    return list(observations.values())
