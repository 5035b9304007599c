"""Validate a hub's JSON body and turn it into ``SensorEvent``s for the home its device belongs to."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import msgspec

from sensors.adapters.base import PayloadError
from sensors.rooms import OTHER, normalise_room
from shared.enums import SensorKind
from shared.sensor_events import SensorEvent

SOURCE = "webhook"
MAX_EVENTS = 1000


class WebhookReading(msgspec.Struct, forbid_unknown_fields=True):
    """One reading as a hub sends it."""

    sensor: str
    kind: SensorKind
    value: float
    time: datetime
    room: str = OTHER


class WebhookBody(msgspec.Struct, forbid_unknown_fields=True):
    """``{"events": [...]}``; a single reading object is accepted too."""

    events: list[WebhookReading]


_batch = msgspec.json.Decoder(WebhookBody)
_single = msgspec.json.Decoder(WebhookReading)


def parse_webhook(body: bytes, home: str) -> list[SensorEvent]:
    """Events for ``home`` (the authenticated device's home); raises ``PayloadError`` with a clear reason."""
    try:
        shape = msgspec.json.decode(body)
        batch = isinstance(shape, dict) and "events" in shape
        readings = _batch.decode(body).events if batch else [_single.decode(body)]
    except msgspec.ValidationError as exc:
        raise PayloadError(f"invalid sensor event: {exc}") from None
    except msgspec.DecodeError as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise PayloadError("body is nested too deeply") from None
    if not readings:
        raise PayloadError("no events in body")
    if len(readings) > MAX_EVENTS:
        raise PayloadError(f"at most {MAX_EVENTS} events per request, got {len(readings)}")
    events = []
    for index, reading in enumerate(readings):
        if reading.time.tzinfo is None:
            raise PayloadError(f"events[{index}].time must carry a time zone (e.g. 2024-05-01T09:40:00Z)")
        try:
            reading.time.astimezone(timezone.utc)  # stored in UTC downstream
        except OverflowError:
            raise PayloadError(f"events[{index}].time is out of range") from None
        if not math.isfinite(reading.value):
            raise PayloadError(f"events[{index}].value must be a finite number")
        if not reading.sensor.strip():
            raise PayloadError(f"events[{index}].sensor must not be empty")
        events.append(SensorEvent(home=home, sensor=reading.sensor, room=normalise_room(reading.room),
                                  kind=reading.kind, value=reading.value, time=reading.time, source=SOURCE))
    return events
