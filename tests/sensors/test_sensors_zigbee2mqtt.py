"""Zigbee2MQTT normalisation (table-driven) and the ingest against a real Mosquitto broker."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import datetime, timezone

import paho.mqtt.client as mqtt
import pytest

from sensors.adapters.base import DeadLetter, DeviceStatus, PayloadError
from sensors.adapters.zigbee2mqtt import DeviceRegistry, Zigbee2MqttIngest
from sensors.adapters.zigbee2mqtt.normalise import normalise
from sensors.adapters.zigbee2mqtt.silence import SilenceWatch
from shared.enums import AlertKind, SensorKind
from shared.sensor_events import SensorEvent

AT = datetime(2024, 5, 1, 9, 40, tzinfo=timezone.utc)


@pytest.fixture
def registry() -> DeviceRegistry:
    devices = DeviceRegistry()
    devices.register("hall_pir", "home-1", "Hall")
    devices.register("front_door", "home-1", "entrance")
    devices.register("bed_pad", "home-1", "bedroom", kind=SensorKind.PRESSURE)
    devices.register("kettle", "home-1", "kitchen")
    return devices


@pytest.mark.parametrize(("topic", "payload", "expected"), [
    ("zigbee2mqtt/hall_pir", {"occupancy": True}, [(SensorKind.MOTION, 1.0)]),
    ("zigbee2mqtt/hall_pir", {"occupancy": False, "linkquality": 87}, [(SensorKind.MOTION, 0.0), (SensorKind.LINK_QUALITY, 87.0)]),
    ("zigbee2mqtt/front_door", {"contact": True}, [(SensorKind.CONTACT, 0.0)]),   # true = closed
    ("zigbee2mqtt/front_door", {"contact": False}, [(SensorKind.CONTACT, 1.0)]),  # false = open
    ("zigbee2mqtt/bed_pad", {"occupancy": True}, [(SensorKind.PRESSURE, 1.0)]),
    ("zigbee2mqtt/kettle", {"power": 2100.5, "state": "ON"}, [(SensorKind.POWER, 2100.5)]),
    ("zigbee2mqtt/hall_pir", {"temperature": 21.5, "battery": 80}, [(SensorKind.TEMPERATURE, 21.5), (SensorKind.BATTERY, 80.0)]),
])
def test_payload_fields_normalise_to_kinds_and_values(registry, topic, payload, expected):
    result = normalise(topic, json.dumps(payload).encode(), registry, AT)
    assert [(e.kind, e.value) for e in result.events] == expected
    assert {e.home for e in result.events} == {"home-1"}
    assert result.statuses == []


def test_room_comes_from_the_registry_normalised(registry):
    (event,) = normalise("zigbee2mqtt/hall_pir", b'{"occupancy": true}', registry, AT).events
    assert (event.room, event.sensor, event.time, event.source) == ("entrance", "hall_pir", AT, "zigbee2mqtt")


def test_low_battery_raises_a_device_status(registry):
    result = normalise("zigbee2mqtt/hall_pir", b'{"battery": 12}', registry, AT)
    assert [(s.kind, s.detail) for s in result.statuses] == [(AlertKind.LOW_BATTERY, "battery at 12%")]


@pytest.mark.parametrize("payload", [b"offline", b'{"state": "offline"}'])
def test_availability_offline_is_an_event_and_a_status(registry, payload):
    result = normalise("zigbee2mqtt/hall_pir/availability", payload, registry, AT)
    assert [(e.kind, e.value) for e in result.events] == [(SensorKind.AVAILABILITY, 0.0)]
    assert [s.kind for s in result.statuses] == [AlertKind.DEVICE_OFFLINE]


@pytest.mark.parametrize(("topic", "payload", "reason"), [
    ("zigbee2mqtt/hall_pir", b"{not json", "not valid JSON"),
    ("zigbee2mqtt/hall_pir", b"[1, 2]", "must be a JSON object"),
    ("zigbee2mqtt/hall_pir", b'{"occupancy": "yes"}', "occupancy must be true or false"),
    ("zigbee2mqtt/hall_pir", b'{"battery": 140}', "outside 0..100"),
    ("zigbee2mqtt/hall_pir", b'{"colour_temp": 3}', "keys not understood: colour_temp"),
    ("zigbee2mqtt/stranger", b'{"occupancy": true}', "not registered"),
    ("zigbee2mqtt/hall_pir/availability", b"maybe", "online or offline"),
    ("other/hall_pir", b"{}", "not under zigbee2mqtt/"),
])
def test_malformed_payloads_raise_with_a_reason(registry, topic, payload, reason):
    with pytest.raises(PayloadError, match=reason):
        normalise(topic, payload, registry, AT)


def test_silence_watch_reports_each_silence_once():
    watch = SilenceWatch()
    event = SensorEvent(home="h", sensor="s", room="kitchen", kind=SensorKind.MOTION, value=1, time=AT, source="t")
    watch.note(event)
    assert watch.check(AT.replace(hour=20)) == []
    later = AT.replace(day=2, hour=11)
    assert [s.kind for s in watch.check(later)] == [AlertKind.DEVICE_OFFLINE]
    assert watch.check(later) == []


class Collector:
    """Thread-safe-enough sinks for paho's network thread (list.append is atomic)."""

    def __init__(self) -> None:
        self.events: list[SensorEvent] = []
        self.dead: list[DeadLetter] = []
        self.statuses: list[DeviceStatus] = []


def _ingest(registry: DeviceRegistry, port: int, prefix: str, collector: Collector, client_id: str) -> Zigbee2MqttIngest:
    ingest = Zigbee2MqttIngest(registry, port=port, prefix=prefix, client_id=client_id,
                               on_dead_letter=collector.dead.append, on_status=collector.statuses.append)
    ingest.start(collector.events.append)
    return ingest


def _publish(port: int, messages: list[tuple[str, bytes]], retain: bool = False) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for topic, payload in messages:
        client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


@pytest.mark.mqtt
def test_ingest_routes_real_broker_traffic(broker, registry, wait_for):
    # A unique prefix keeps this test's topics apart from anyone else using the shared broker.
    prefix = f"z2m-test-{uuid.uuid4().hex[:8]}"
    collector = Collector()
    ingest = _ingest(registry, broker[1], prefix, collector, f"test-{uuid.uuid4().hex[:8]}")
    try:
        assert wait_for(lambda: ingest.connected_count == 1)
        _publish(broker[1], [(f"{prefix}/hall_pir", b'{"occupancy": true, "battery": 9}'),
                             (f"{prefix}/hall_pir", b"garbage"),
                             (f"{prefix}/front_door/availability", b"offline")])
        # mosquitto_pub is what an installer would use to check a gateway by hand.
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker[1]), "-t", f"{prefix}/front_door",
                        "-m", '{"contact": false}'], check=True, timeout=5)
        assert wait_for(lambda: len(collector.events) == 4 and len(collector.dead) == 1)
    finally:
        ingest.stop()
    kinds = [(e.sensor, e.kind, e.value) for e in collector.events]
    assert kinds == [("hall_pir", SensorKind.MOTION, 1.0), ("hall_pir", SensorKind.BATTERY, 9.0),
                     ("front_door", SensorKind.AVAILABILITY, 0.0), ("front_door", SensorKind.CONTACT, 1.0)]
    assert collector.dead[0].payload == "garbage" and "not valid JSON" in collector.dead[0].reason
    assert sorted(s.kind for s in collector.statuses) == [AlertKind.DEVICE_OFFLINE, AlertKind.LOW_BATTERY]


@pytest.mark.mqtt
def test_consumer_failure_goes_to_dead_letters_not_a_crash(broker, registry, wait_for):
    prefix = f"z2m-test-{uuid.uuid4().hex[:8]}"
    collector = Collector()
    calls: list[SensorEvent] = []

    def flaky(event: SensorEvent) -> None:
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("database away")
        collector.events.append(event)

    ingest = Zigbee2MqttIngest(registry, port=broker[1], prefix=prefix, client_id=f"test-{uuid.uuid4().hex[:8]}",
                               on_dead_letter=collector.dead.append)
    ingest.start(flaky)
    try:
        assert wait_for(lambda: ingest.connected_count == 1)
        _publish(broker[1], [(f"{prefix}/hall_pir", b'{"occupancy": true}'), (f"{prefix}/hall_pir", b'{"occupancy": false}')])
        assert wait_for(lambda: len(collector.events) == 1)
    finally:
        ingest.stop()
    assert "database away" in collector.dead[0].reason
    assert collector.events[0].value == 0.0


@pytest.mark.mqtt
def test_gets_retained_state_and_reconnects_after_broker_restart(private_broker, registry, wait_for):
    port = private_broker["port"]
    prefix = "zigbee2mqtt"
    collector = Collector()
    _publish(port, [(f"{prefix}/front_door", b'{"contact": true}')], retain=True)
    ingest = _ingest(registry, port, prefix, collector, "restart-test")
    try:
        assert wait_for(lambda: len(collector.events) == 1)  # the retained state arrives on subscribe
        private_broker["stop"]()
        assert wait_for(lambda: not ingest.is_connected())
        private_broker["start"]()
        assert wait_for(lambda: ingest.connected_count == 2, timeout=15)
        _publish(port, [(f"{prefix}/hall_pir", b'{"occupancy": true}')])
        assert wait_for(lambda: any(e.sensor == "hall_pir" for e in collector.events))
    finally:
        ingest.stop()
    assert collector.events[0].kind is SensorKind.CONTACT and collector.events[0].value == 0.0


# Payloads that once escaped normalise as OverflowError/RecursionError and ended paho's network thread.
HOSTILE = [
    b'{"battery": ' + str(10**400).encode() + b"}",   # int too large for float()
    b'{"battery": -' + str(10**400).encode() + b"}",
    b'{"linkquality": ' + str(10**4000).encode() + b"}",  # beyond the int-to-str limit too
    b'{"temperature": 1e400}', b'{"temperature": -1e400}',  # inf once decoded
    b'{"power": NaN}', b'{"power": Infinity}', b'{"battery": "NaN"}', b'{"battery": "inf"}', b'{"battery": "50"}',
    b'{"battery": {"value": 50}}', b'{"battery": [50]}', b'{"battery": true}',
    b'{"occupancy": {"x": [1, 2]}}', b'{"contact": [true]}', b'{"occupancy": "' + b"y" * 10_000 + b'"}',
    b'{"battery": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",  # nesting deep enough to exhaust recursion
    b"[" * 100_000,
    b"\xff\xfe\x00{", b'\xff{"occupancy": true}', b"not json", b"", b"null", b'"occupancy"', b"[1, 2]", b"42",
    b'{"colour_temp": 3}',
]


@pytest.mark.parametrize("payload", HOSTILE)
@pytest.mark.parametrize("suffix", ["", "/availability"])
def test_hostile_payloads_are_payload_errors_with_a_reason(registry, payload, suffix):
    with pytest.raises(PayloadError) as raised:
        normalise(f"zigbee2mqtt/hall_pir{suffix}", payload, registry, AT)
    assert str(raised.value).strip()
    assert len(str(raised.value)) < 400  # a dead-letter reason, not the payload echoed back


class _Message:
    """Stands in for paho's MQTTMessage (topic decoded lazily, like paho's)."""

    def __init__(self, topic: bytes, payload: bytes) -> None:
        self._topic, self.payload = topic, payload

    @property
    def topic(self) -> str:
        return self._topic.decode("utf-8")


def test_hostile_payloads_dead_letter_and_ingest_carries_on(registry):
    collector = Collector()
    ingest = Zigbee2MqttIngest(registry, client_id=f"test-{uuid.uuid4().hex[:8]}", clock=lambda: AT,
                               on_dead_letter=collector.dead.append, on_status=collector.statuses.append)
    ingest._sink = collector.events.append  # deliver without connecting
    messages = [(b"zigbee2mqtt/hall_pir", payload) for payload in HOSTILE]
    messages += [(b"zigbee2mqtt/\xff\xfe", b'{"occupancy": true}'), (b"zigbee2mqtt/hall_pir", b'{"occupancy": true}')]
    for topic, payload in messages:
        ingest._on_message(ingest._client, None, _Message(topic, payload))  # must not raise
    assert len(collector.dead) == len(HOSTILE) + 1
    assert all(letter.reason for letter in collector.dead)
    assert [(e.sensor, e.kind, e.value) for e in collector.events] == [("hall_pir", SensorKind.MOTION, 1.0)]


@pytest.mark.mqtt
def test_hostile_payloads_over_the_real_broker_do_not_stop_ingest(broker, registry, wait_for):
    prefix = f"z2m-test-{uuid.uuid4().hex[:8]}"
    collector = Collector()
    ingest = _ingest(registry, broker[1], prefix, collector, f"test-{uuid.uuid4().hex[:8]}")
    hostile = [p for p in HOSTILE if len(p) < 10_000]
    try:
        assert wait_for(lambda: ingest.connected_count == 1)
        _publish(broker[1], [(f"{prefix}/hall_pir", p) for p in hostile] + [(f"{prefix}/hall_pir", b'{"occupancy": true}')])
        assert wait_for(lambda: len(collector.events) == 1 and len(collector.dead) == len(hostile))
    finally:
        ingest.stop()
    assert collector.events[0].kind is SensorKind.MOTION and collector.events[0].value == 1.0
    assert all(letter.reason for letter in collector.dead)


SEEN = datetime(2024, 5, 1, 9, 31, 12, 345000, tzinfo=timezone.utc)


@pytest.mark.parametrize("last_seen", [
    "2024-05-01T09:31:12.345Z",           # advanced.last_seen: ISO_8601
    "2024-05-01T11:31:12.345+02:00",      # ISO_8601_local
    1714555872345,                        # epoch (milliseconds)
])
def test_last_seen_is_the_event_time_so_a_redelivery_gets_the_same_key(registry, last_seen):
    payload = json.dumps({"occupancy": True, "battery": 9, "last_seen": last_seen}).encode()
    first = normalise("zigbee2mqtt/hall_pir", payload, registry, AT)
    redelivered = normalise("zigbee2mqtt/hall_pir", payload, registry, AT.replace(hour=12))  # after an outage
    assert {e.time for e in first.events} == {SEEN} and first.statuses[0].time == SEEN
    assert first.events == redelivered.events
    assert all(e.time.utcoffset().total_seconds() == 0 for e in first.events)


@pytest.mark.parametrize("payload", [b'{"occupancy": true}', b'{"occupancy": true, "last_seen": null}'])
def test_without_last_seen_the_event_time_is_the_receive_time(registry, payload):
    assert {e.time for e in normalise("zigbee2mqtt/hall_pir", payload, registry, AT).events} == {AT}


@pytest.mark.parametrize("last_seen", ["yesterday", "2024-05-01T09:31:12", True, [1714555872345], {"ms": 1},
                                       1e300, 10**400, "9999-12-31T23:59:59-23:59"])
def test_malformed_last_seen_is_a_payload_error(registry, last_seen):
    payload = b'{"occupancy": true, "last_seen": ' + (str(last_seen).encode() if isinstance(last_seen, int)
                                                      and not isinstance(last_seen, bool) else json.dumps(last_seen).encode()) + b"}"
    with pytest.raises(PayloadError, match="last_seen"):
        normalise("zigbee2mqtt/hall_pir", payload, registry, AT)


def test_a_late_redelivery_does_not_rewind_the_silence_clock():
    watch = SilenceWatch()
    fresh = SensorEvent(home="h", sensor="s", room="kitchen", kind=SensorKind.MOTION, value=1, time=AT, source="t")
    watch.note(fresh)
    watch.note(SensorEvent(home="h", sensor="s", room="kitchen", kind=SensorKind.MOTION, value=1,
                           time=AT.replace(month=4), source="t"))  # a month old
    assert watch.check(AT.replace(hour=20)) == []
