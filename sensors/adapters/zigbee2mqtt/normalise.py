"""Pure translation of one Zigbee2MQTT message into events, device findings and gateway state."""

from __future__ import annotations

from datetime import datetime, timezone

import msgspec

from sensors.adapters.base import DeviceStatus, GatewayStatus, PayloadError
from sensors.adapters.zigbee2mqtt.registry import DeviceBinding, DeviceRegistry
from sensors.adapters.zigbee2mqtt.topics import Layout, Leaf, Topic, parse_topic
from sensors.adapters.zigbee2mqtt.vocabulary import Fields, read_fields, show
from shared.enums import AlertKind, SensorKind
from shared.sensor_events import SensorEvent

SOURCE = "zigbee2mqtt"
_decoder = msgspec.json.Decoder()
_ONLINE = {"online": True, "offline": False}
_JOINED = frozenset({"device_joined", "device_announce"})


class Normalised(msgspec.Struct, frozen=True):
    """What one message said: readings for the detectors, findings for the board, gateway state.

    ``rejected`` names the keys of a report that could not be used while the rest was stored;
    the caller dead-letters the message with it, so nothing is lost without a trace.
    """

    events: list[SensorEvent]
    statuses: list[DeviceStatus]
    gateways: list[GatewayStatus] = msgspec.field(default_factory=list)
    rejected: str | None = None


def _binding(registry: DeviceRegistry, topic: Topic, name: str | None = None) -> DeviceBinding:
    key = topic.key if name is None else (f"{topic.gateway}/{name}" if topic.gateway else name)
    binding = registry.lookup(key or "")
    if binding is None:
        where = f" on gateway {topic.gateway!r}" if topic.gateway else ""
        raise PayloadError(f"device {name or topic.device!r}{where} is not registered to any home")
    return binding


def _decode(payload: bytes) -> object:
    try:
        return _decoder.decode(payload)
    except msgspec.DecodeError as exc:
        raise PayloadError(f"payload is not valid JSON ({exc})") from None
    except RecursionError:
        raise PayloadError("payload is nested too deeply to be a device report") from None


def _state_word(payload: bytes, what: str) -> bool:
    """online/offline, as a bare word (older Zigbee2MQTT) or ``{"state": ...}`` (1.30+)."""
    text = payload.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        body = _decode(payload)
        state = body.get("state") if isinstance(body, dict) else None
        text = state if isinstance(state, str) else show(state)
    if text not in _ONLINE:
        raise PayloadError(f"{what} must be online or offline, got {text[:40]!r}")
    return _ONLINE[text]


def _event(binding: DeviceBinding, name: str, kind: SensorKind, value: float, at: datetime) -> SensorEvent:
    return SensorEvent(home=binding.home, sensor=name, room=binding.room, kind=kind, value=value, time=at, source=SOURCE)


def _offline(binding: DeviceBinding, name: str, detail: str, at: datetime) -> DeviceStatus:
    return DeviceStatus(home=binding.home, sensor=name, room=binding.room, kind=AlertKind.DEVICE_OFFLINE,
                        detail=detail, time=at)


def _availability(topic: Topic, binding: DeviceBinding, payload: bytes, at: datetime) -> Normalised:
    assert topic.device is not None
    online = _state_word(payload, "availability")
    statuses = [] if online else [_offline(binding, topic.device, "gateway reports the device offline", at)]
    return Normalised([_event(binding, topic.device, SensorKind.AVAILABILITY, 1.0 if online else 0.0, at)], statuses)


def _bridge_event(topic: Topic, registry: DeviceRegistry, payload: bytes, at: datetime) -> Normalised:
    body = _decode(payload)
    kind = body.get("type") if isinstance(body, dict) else None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(kind, str) or not isinstance(data, dict):
        raise PayloadError("bridge event must be {\"type\": ..., \"data\": {...}}")
    if kind not in _JOINED and kind != "device_leave":
        return Normalised([], [])  # interviews and the like say nothing about a home
    name = data.get("friendly_name")
    if not isinstance(name, str) or not name:
        raise PayloadError(f"bridge event {kind} has no friendly_name")
    binding = _binding(registry, topic, name)
    if kind in _JOINED:
        return Normalised([_event(binding, name, SensorKind.AVAILABILITY, 1.0, at)], [])
    return Normalised([_event(binding, name, SensorKind.AVAILABILITY, 0.0, at)],
                      [_offline(binding, name, "the device left the Zigbee network", at)])


def _parse_time(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"last_seen {show(raw)} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise PayloadError(f"last_seen {show(raw)} must carry a time zone")
    return moment


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
        moment = _parse_time(raw)
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            moment = datetime.fromtimestamp(raw / 1000, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):  # inf/nan, or beyond the calendar
            raise PayloadError(f"last_seen {show(raw)} is not epoch milliseconds") from None
    else:
        raise PayloadError(f"last_seen must be an ISO 8601 string or epoch milliseconds, got {show(raw)}")
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise PayloadError(f"last_seen {show(raw)} is out of range") from None


def _problems(fields: Fields) -> str:
    parts = list(fields.rejected)
    if fields.unknown:
        parts.append(f"keys not understood: {', '.join(sorted(fields.unknown))[:160]}")
    return "; ".join(parts)


def _report(topic: Topic, binding: DeviceBinding, payload: bytes, received_at: datetime) -> Normalised:
    assert topic.device is not None
    body = _decode(payload)
    if not isinstance(body, dict):
        raise PayloadError("payload must be a JSON object")
    at = event_time(body, received_at)
    fields = read_fields(body, binding)
    name = topic.device
    events = [_event(binding, name, reading.kind, reading.value, at) for reading in fields.readings]
    statuses = [] if fields.low_battery is None else [
        DeviceStatus(home=binding.home, sensor=name, room=binding.room, kind=AlertKind.LOW_BATTERY,
                     detail=fields.low_battery, time=at)]
    if not events:
        if fields.rejected or fields.unknown:
            raise PayloadError(f"nothing stored: {_problems(fields)}")
        # Every key understood and none a reading ({"action": ""}, {"voltage": 2900}): the device is alive.
        events = [_event(binding, name, SensorKind.AVAILABILITY, 1.0, at)]
    return Normalised(events, statuses, rejected=f"stored the rest; {_problems(fields)}" if fields.rejected else None)


def normalise(topic: str, payload: bytes, registry: DeviceRegistry, received_at: datetime,
              prefix: str = "zigbee2mqtt", layout: Layout = Layout.SHARED) -> Normalised:
    """Events, statuses and gateway state for one message; raises ``PayloadError`` with the reason otherwise.

    No other exception escapes for any payload: the caller runs in paho's network thread,
    where anything else would end ingest for every device.
    """
    try:
        return _normalise(topic, payload, registry, received_at, prefix, layout)
    except PayloadError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError, AttributeError, KeyError) as exc:
        # Defence in depth: a shape the checks above did not foresee is still just a bad payload.
        raise PayloadError(f"unreadable payload ({exc.__class__.__name__}: {str(exc)[:120]})") from None


def _normalise(topic: str, payload: bytes, registry: DeviceRegistry, received_at: datetime, prefix: str,
               layout: Layout) -> Normalised:
    parsed = parse_topic(topic, prefix, layout)
    if parsed.leaf is Leaf.IGNORED:
        return Normalised([], [])
    if parsed.leaf is Leaf.BRIDGE_STATE:
        online = _state_word(payload, "bridge state")
        return Normalised([], [], [GatewayStatus(gateway=parsed.gateway, online=online, time=received_at)])
    if parsed.leaf is Leaf.BRIDGE_EVENT:
        return _bridge_event(parsed, registry, payload, received_at)
    binding = _binding(registry, parsed)
    if parsed.leaf is Leaf.AVAILABILITY:
        return _availability(parsed, binding, payload, received_at)
    return _report(parsed, binding, payload, received_at)
