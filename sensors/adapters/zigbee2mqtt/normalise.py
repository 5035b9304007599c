"""Pure translation of one Zigbee2MQTT message into events and device-status findings."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import msgspec

from sensors.adapters.base import DeviceStatus, PayloadError
from sensors.adapters.zigbee2mqtt.registry import DeviceBinding, DeviceRegistry
from shared.enums import AlertKind, SensorKind
from shared.sensor_events import SensorEvent

SOURCE = "zigbee2mqtt"
LOW_BATTERY_PERCENT = 15.0
_AVAILABILITY = "availability"
# Binary fields: payload key → kind and how true maps to a value (contact true = closed = 0).
_BINARY = {"occupancy": (SensorKind.MOTION, 1.0), "presence": (SensorKind.MOTION, 1.0),
           "contact": (SensorKind.CONTACT, 0.0)}
_NUMERIC = {"power": SensorKind.POWER, "temperature": SensorKind.TEMPERATURE,
            "battery": SensorKind.BATTERY, "linkquality": SensorKind.LINK_QUALITY}
_RANGES = {SensorKind.BATTERY: (0.0, 100.0), SensorKind.LINK_QUALITY: (0.0, 255.0),
           SensorKind.TEMPERATURE: (-40.0, 125.0), SensorKind.POWER: (0.0, 100_000.0)}
_decoder = msgspec.json.Decoder()


class Normalised(msgspec.Struct, frozen=True):
    """What one message said: readings for the detectors and findings for the alert board."""

    events: list[SensorEvent]
    statuses: list[DeviceStatus]


def split_topic(topic: str, prefix: str) -> tuple[str, bool]:
    """Friendly name and whether this is the availability topic."""
    parts = topic.split("/")
    if len(parts) < 2 or parts[0] != prefix:
        raise PayloadError(f"topic {topic!r} is not under {prefix}/")
    if len(parts) == 3 and parts[2] == _AVAILABILITY:
        return parts[1], True
    if len(parts) != 2:
        raise PayloadError(f"topic {topic!r} is not a device topic")
    return parts[1], False


def _binding(registry: DeviceRegistry, name: str) -> DeviceBinding:
    binding = registry.lookup(name)
    if binding is None:
        raise PayloadError(f"device {name!r} is not registered to any home")
    return binding


def _availability(name: str, binding: DeviceBinding, payload: bytes, at: datetime) -> Normalised:
    text = payload.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        # Zigbee2MQTT 1.30+ publishes {"state": "online"}; older versions the bare word.
        try:
            body = _decoder.decode(payload)
        except (msgspec.DecodeError, RecursionError):
            raise PayloadError("availability payload is not valid JSON") from None
        state = body.get("state") if isinstance(body, dict) else None
        text = state if isinstance(state, str) else _show(state)
    if text not in ("online", "offline"):
        raise PayloadError(f"availability must be online or offline, got {text[:40]!r}")
    online = text == "online"
    event = SensorEvent(home=binding.home, sensor=name, room=binding.room, kind=SensorKind.AVAILABILITY,
                        value=1.0 if online else 0.0, time=at, source=SOURCE)
    statuses = [] if online else [DeviceStatus(home=binding.home, sensor=name, room=binding.room,
                                               kind=AlertKind.DEVICE_OFFLINE, detail="gateway reports the device offline",
                                               time=at)]
    return Normalised([event], statuses)


def _show(value: object, limit: int = 60) -> str:
    """A short repr for a dead-letter reason, whatever the value (huge ints, deep nesting)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # int beyond the str-conversion limit, pathological nesting
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _number(key: str, value: object, kind: SensorKind) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{key} must be a number, got {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise PayloadError(f"{key} must be a finite number, got {_show(value)}")
    low, high = _RANGES[kind]
    # Compared before float(): an int like 10**400 compares fine but overflows float().
    if not low <= value <= high:
        raise PayloadError(f"{key}={_show(value)} is outside {low:g}..{high:g}")
    return float(value)


def event_time(body: dict[str, object], received_at: datetime) -> datetime:
    """When the device reported: Zigbee2MQTT's ``last_seen`` if the payload has it, else ``received_at``.

    ``last_seen`` (advanced.last_seen) is an ISO 8601 string (``ISO_8601`` / ``ISO_8601_local``)
    or epoch milliseconds (``epoch``). A redelivered message carries the same value, so its
    readings get the same time and the same unique key downstream.
    """
    raw = body.get("last_seen")
    if raw is None:  # absent, or last_seen disabled
        return received_at
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise PayloadError(f"last_seen {_show(raw)} is not an ISO 8601 date-time") from None
        if moment.tzinfo is None:
            raise PayloadError(f"last_seen {_show(raw)} must carry a time zone")
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            moment = datetime.fromtimestamp(raw / 1000, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):  # inf/nan, or beyond the calendar
            raise PayloadError(f"last_seen {_show(raw)} is not epoch milliseconds") from None
    else:
        raise PayloadError(f"last_seen must be an ISO 8601 string or epoch milliseconds, got {_show(raw)}")
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise PayloadError(f"last_seen {_show(raw)} is out of range") from None


def normalise(topic: str, payload: bytes, registry: DeviceRegistry, received_at: datetime,
              prefix: str = "zigbee2mqtt") -> Normalised:
    """Events and statuses for one message; raises ``PayloadError`` with the reason otherwise.

    No other exception escapes for any payload: the caller runs in paho's network thread,
    where anything else would end ingest for every device.
    """
    try:
        return _normalise(topic, payload, registry, received_at, prefix)
    except PayloadError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError, AttributeError, KeyError) as exc:
        # Defence in depth: a shape the checks above did not foresee is still just a bad payload.
        raise PayloadError(f"unreadable payload ({exc.__class__.__name__}: {str(exc)[:120]})") from None


def _normalise(topic: str, payload: bytes, registry: DeviceRegistry, received_at: datetime,
               prefix: str) -> Normalised:
    name, is_availability = split_topic(topic, prefix)
    binding = _binding(registry, name)
    if is_availability:
        return _availability(name, binding, payload, received_at)
    try:
        body = _decoder.decode(payload)
    except msgspec.DecodeError as exc:
        raise PayloadError(f"payload is not valid JSON ({exc})") from None
    except RecursionError:
        raise PayloadError("payload is nested too deeply to be a device report") from None
    if not isinstance(body, dict):
        raise PayloadError("payload must be a JSON object")
    at = event_time(body, received_at)
    events: list[SensorEvent] = []
    statuses: list[DeviceStatus] = []

    def add(kind: SensorKind, value: float) -> None:
        events.append(SensorEvent(home=binding.home, sensor=name, room=binding.room, kind=kind, value=value,
                                  time=at, source=SOURCE))

    for key, (kind, when_true) in _BINARY.items():
        if key in body:
            flag = body[key]
            if not isinstance(flag, bool):
                raise PayloadError(f"{key} must be true or false, got {_show(flag)}")
            # A pressure pad registered as such reports occupancy; the binding knows.
            add(binding.kind or kind, when_true if flag else 1.0 - when_true)
    for key, kind in _NUMERIC.items():
        if key in body:
            value = _number(key, body[key], kind)
            add(kind, value)
            if kind is SensorKind.BATTERY and value < LOW_BATTERY_PERCENT:
                statuses.append(DeviceStatus(home=binding.home, sensor=name, room=binding.room,
                                             kind=AlertKind.LOW_BATTERY, detail=f"battery at {value:g}%",
                                             time=at))
    if not events:
        raise PayloadError(f"no recognised fields in payload (keys: {', '.join(sorted(body))[:120]})")
    return Normalised(events, statuses)
