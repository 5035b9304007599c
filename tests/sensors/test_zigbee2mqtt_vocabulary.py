"""The care-kit vocabulary, table-driven from the devices' published Zigbee2MQTT exposes.

Each payload is what Zigbee2MQTT publishes for that model (keys and value types as in
zigbee-herdsman-converters' exposes for it); nothing a device says may be dropped silently.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from sensors.adapters.base import PayloadError
from sensors.adapters.zigbee2mqtt import DeviceRegistry
from sensors.adapters.zigbee2mqtt.normalise import normalise
from sensors.adapters.zigbee2mqtt.topics import Layout, Leaf, parse_topic
from shared.enums import AlertKind, SensorKind as K

AT = datetime(2024, 5, 1, 9, 40, tzinfo=timezone.utc)


@pytest.fixture
def registry() -> DeviceRegistry:
    devices = DeviceRegistry()
    for name, room, kind in [
        ("sos_ts0215a", "bedroom", None), ("pendant_hs1eb", "living", K.SOS), ("remote_hs1eb", "living", None),
        ("leak", "bathroom", None), ("vibration", "bedroom", None), ("chair_pad", "living", None),
        ("climate", "living", None), ("pir", "kitchen", None), ("radar", "living", None), ("smoke", "kitchen", None),
        ("gas", "kitchen", None), ("co", "kitchen", None), ("door", "entrance", None), ("kettle", "kitchen", None),
        ("smoke_tuya", "kitchen", None), ("ias_sos", "bedroom", None), ("ias_pendant", "bedroom", K.SOS),
        ("living_room/lamp", "living", None),
    ]:
        devices.register(name, "home-1", room, kind)
    return devices


# (device, its model, payload as published, readings expected, alarm kinds expected, low battery expected)
DEVICES = [
    ("sos_ts0215a", "TuYa TS0215A_sos", {"action": "emergency", "battery": 100, "voltage": 3000, "linkquality": 120},
     {K.SOS: 1, K.BATTERY: 100, K.LINK_QUALITY: 120}, True, False),
    ("pendant_hs1eb", "Heiman HS1EB registered as an SOS pendant", {"action": "single", "battery": 90, "linkquality": 90},
     {K.SOS: 1, K.BATTERY: 90, K.LINK_QUALITY: 90}, True, False),
    ("remote_hs1eb", "Heiman HS1EB as a plain button", {"action": "double", "battery": 90},
     {K.BUTTON: 1, K.BATTERY: 90}, False, False),
    ("leak", "Aqara SJCGQ11LM water leak", {"water_leak": True, "battery_low": False, "battery": 100, "voltage": 3005,
                                            "device_temperature": 25, "power_outage_count": 3, "linkquality": 60},
     {K.WATER_LEAK: 1, K.BATTERY_LOW: 0, K.BATTERY: 100, K.LINK_QUALITY: 60}, True, False),
    ("leak", "Aqara SJCGQ11LM dry again", {"water_leak": False, "battery": 100},
     {K.WATER_LEAK: 0, K.BATTERY: 100}, False, False),
    ("vibration", "Aqara DJT11LM vibration", {"action": "vibration", "vibration": True, "strength": 27, "angle_x": 1,
                                              "angle_y": 3, "angle_z": 86, "battery": 91, "voltage": 3025,
                                              "linkquality": 81},
     {K.VIBRATION: 1, K.BATTERY: 91, K.LINK_QUALITY: 81}, False, False),
    ("vibration", "Aqara DJT11LM dropped", {"action": "drop"}, {K.VIBRATION: 1}, False, False),
    ("chair_pad", "Tuya pressure pad, sat on", {"pressure": True, "battery": 80}, {K.PRESSURE: 1, K.BATTERY: 80}, False, False),
    ("chair_pad", "Tuya pressure pad, empty", {"pressure": False}, {K.PRESSURE: 0}, False, False),
    ("climate", "Aqara WSDCGQ11LM", {"temperature": 14.2, "humidity": 71.5, "pressure": 1012.3, "battery": 97,
                                     "voltage": 3005, "linkquality": 72},
     {K.TEMPERATURE: 14.2, K.HUMIDITY: 71.5, K.AIR_PRESSURE: 1012.3, K.BATTERY: 97, K.LINK_QUALITY: 72}, False, False),
    ("pir", "Aqara RTCGQ11LM", {"occupancy": True, "illuminance": 12, "illuminance_lux": 12, "battery": 100,
                                "voltage": 3055, "device_temperature": 22, "power_outage_count": 1, "linkquality": 90},
     {K.MOTION: 1, K.ILLUMINANCE: 12, K.BATTERY: 100, K.LINK_QUALITY: 90}, False, False),
    ("pir", "Aqara RTCGQ11LM no_occupancy_since", {"no_occupancy_since": 60}, {K.NO_MOTION: 60}, False, False),
    ("radar", "Tuya mmWave presence", {"presence": True, "target_distance": 1.5, "illuminance_lux": 30,
                                      "linkquality": 150},
     {K.MOTION: 1, K.ILLUMINANCE: 30, K.LINK_QUALITY: 150}, False, False),
    ("smoke", "Heiman HS1SA", {"smoke": True, "battery_low": False, "tamper": False, "battery": 83, "linkquality": 100},
     {K.SMOKE: 1, K.BATTERY_LOW: 0, K.TAMPER: 0, K.BATTERY: 83, K.LINK_QUALITY: 100}, True, False),
    ("smoke", "Heiman HS1SA test button", {"smoke": True, "test": True, "battery": 83},
     {K.SELF_TEST: 1, K.BATTERY: 83}, False, False),
    ("gas", "Heiman HS1CG", {"gas": True, "tamper": False, "battery_low": False, "linkquality": 110},
     {K.GAS: 1, K.TAMPER: 0, K.BATTERY_LOW: 0, K.LINK_QUALITY: 110}, True, False),
    ("co", "Heiman HS1CA", {"carbon_monoxide": True, "battery_low": True, "battery": 9},
     {K.CARBON_MONOXIDE: 1, K.BATTERY_LOW: 1, K.BATTERY: 9}, True, True),
    ("door", "TuYa TS0203", {"contact": False, "battery": 100, "voltage": 3000, "tamper": True, "battery_low": False,
                             "linkquality": 100},
     {K.CONTACT: 1, K.BATTERY: 100, K.TAMPER: 1, K.BATTERY_LOW: 0, K.LINK_QUALITY: 100}, False, False),
    ("kettle", "TuYa TS011F plug", {"state": "ON", "power": 2100, "energy": 12.53, "voltage": 240, "current": 8.75,
                                    "power_on_behavior": "on", "child_lock": "UNLOCK", "linkquality": 120},
     {K.POWER: 2100, K.ENERGY: 12.53, K.LINK_QUALITY: 120}, False, False),
    ("smoke_tuya", "TuYa TS0601_smoke_3", {"smoke": False, "battery_state": "low", "linkquality": 80},
     {K.SMOKE: 0, K.LINK_QUALITY: 80}, False, True),
    ("ias_sos", "IAS zone SOS flag", {"sos": True, "battery_low": False}, {K.SOS: 1, K.BATTERY_LOW: 0}, True, False),
    ("ias_pendant", "IAS zone alarm_1 on a pendant", {"alarm_1": True, "alarm_2": False, "tamper": False},
     {K.SOS: 1, K.TAMPER: 0}, True, False),
    ("pir", "battery_low alone", {"battery_low": True}, {K.BATTERY_LOW: 1}, False, True),
    ("living_room/lamp", "friendly name with a slash", {"occupancy": True}, {K.MOTION: 1}, False, False),
]


@pytest.mark.parametrize(("device", "model", "payload", "readings", "alarm", "low_battery"), DEVICES,
                         ids=[row[1] for row in DEVICES])
def test_documented_payloads_are_stored_whole(registry, device, model, payload, readings, alarm, low_battery):
    result = normalise(f"zigbee2mqtt/{device}", json.dumps(payload).encode(), registry, AT)
    assert {e.kind: e.value for e in result.events} == readings
    assert len(result.events) == len(readings)  # one reading per kind: the stored key allows no more
    assert {e.sensor for e in result.events} == {device}
    assert any(e.is_alarm for e in result.events) is alarm
    assert [s.kind for s in result.statuses] == ([AlertKind.LOW_BATTERY] if low_battery else [])
    assert result.rejected is None


@pytest.mark.parametrize("payload", [
    {"action": ""}, {"voltage": 2900, "device_temperature": 21}, {"update": {"state": "idle"}},
    {"battery": None, "illuminance": None},  # null: not reported yet
])
def test_a_report_with_no_reading_still_shows_the_device_alive(registry, payload):
    (event,) = normalise("zigbee2mqtt/pir", json.dumps(payload).encode(), registry, AT).events
    assert (event.kind, event.value) == (K.AVAILABILITY, 1.0)


def test_unknown_keys_alone_are_refused_naming_them(registry):
    with pytest.raises(PayloadError, match="keys not understood: colour_temp, scene"):
        normalise("zigbee2mqtt/pir", b'{"scene": 3, "colour_temp": 250}', registry, AT)


def test_a_bad_field_beside_good_ones_is_reported_and_the_rest_kept(registry):
    # The SOS must never be lost because the battery reading beside it is broken.
    result = normalise("zigbee2mqtt/sos_ts0215a", b'{"action": "emergency", "battery": "full", "whatever": 1}',
                       registry, AT)
    assert [(e.kind, e.value) for e in result.events] == [(K.SOS, 1.0)]
    assert result.rejected is not None and "battery must be a number" in result.rejected
    assert "whatever" in result.rejected


def test_a_generic_ias_alarm_needs_the_sensor_registered_with_its_kind(registry):
    with pytest.raises(PayloadError, match="registered with its kind"):
        normalise("zigbee2mqtt/pir", b'{"alarm_1": true}', registry, AT)


@pytest.mark.parametrize(("topic", "payload", "online"), [
    ("zigbee2mqtt/bridge/state", b"offline", False),        # legacy plain word (the last will)
    ("zigbee2mqtt/bridge/state", b'{"state": "online"}', True),
])
def test_bridge_state_in_both_forms_is_a_gateway_status(registry, topic, payload, online):
    result = normalise(topic, payload, registry, AT)
    assert [(g.gateway, g.online) for g in result.gateways] == [(None, online)]
    assert result.events == []


def test_bridge_state_under_a_per_gateway_base_topic_names_the_gateway(registry):
    result = normalise("zigbee2mqtt/gw-7/bridge/state", b'{"state": "offline"}', registry, AT, layout=Layout.PER_GATEWAY)
    assert [(g.gateway, g.online) for g in result.gateways] == [("gw-7", False)]


def test_bridge_events_mark_a_registered_device_gone_or_back(registry):
    left = normalise("zigbee2mqtt/bridge/event",
                     b'{"type": "device_leave", "data": {"ieee_address": "0x00158d0001", "friendly_name": "door"}}',
                     registry, AT)
    assert [(e.sensor, e.kind, e.value) for e in left.events] == [("door", K.AVAILABILITY, 0.0)]
    assert [(s.sensor, s.kind) for s in left.statuses] == [("door", AlertKind.DEVICE_OFFLINE)]
    joined = normalise("zigbee2mqtt/bridge/event",
                       b'{"type": "device_joined", "data": {"ieee_address": "0x00158d0001", "friendly_name": "door"}}',
                       registry, AT)
    assert [(e.kind, e.value) for e in joined.events] == [(K.AVAILABILITY, 1.0)]
    interview = normalise("zigbee2mqtt/bridge/event",
                          b'{"type": "device_interview", "data": {"friendly_name": "door", "status": "started"}}',
                          registry, AT)
    assert interview.events == [] and interview.statuses == []
    with pytest.raises(PayloadError, match="not registered"):  # an installer must see a stranger joining
        normalise("zigbee2mqtt/bridge/event",
                  b'{"type": "device_joined", "data": {"friendly_name": "0x00158d00099", "ieee_address": "0x00158d00099"}}',
                  registry, AT)


@pytest.mark.parametrize(("topic", "layout", "expected"), [
    ("zigbee2mqtt/living_room/lamp", Layout.SHARED, (None, "living_room/lamp", Leaf.REPORT)),
    ("zigbee2mqtt/living_room/lamp/availability", Layout.SHARED, (None, "living_room/lamp", Leaf.AVAILABILITY)),
    ("zigbee2mqtt/living_room/lamp/set", Layout.SHARED, (None, "living_room/lamp", Leaf.IGNORED)),
    ("zigbee2mqtt/lamp/set/brightness", Layout.SHARED, (None, "lamp", Leaf.IGNORED)),
    ("zigbee2mqtt/bridge/devices", Layout.SHARED, (None, None, Leaf.IGNORED)),
    ("zigbee2mqtt/gw-1/kitchen/pir", Layout.PER_GATEWAY, ("gw-1", "kitchen/pir", Leaf.REPORT)),
    ("zigbee2mqtt/gw-1/pir/availability", Layout.PER_GATEWAY, ("gw-1", "pir", Leaf.AVAILABILITY)),
    ("zigbee2mqtt/gw-1/bridge/event", Layout.PER_GATEWAY, ("gw-1", None, Leaf.BRIDGE_EVENT)),
])
def test_topics_name_gateway_device_and_leaf(topic, layout, expected):
    parsed = parse_topic(topic, "zigbee2mqtt", layout)
    assert (parsed.gateway, parsed.device, parsed.leaf) == expected


@pytest.mark.parametrize("topic", ["zigbee2mqtt/gw-1", "zigbee2mqtt//pir", "zigbee2mqtt/a//b", "other/pir", "zigbee2mqtt/"])
def test_malformed_topics_are_payload_errors(topic):
    layout = Layout.PER_GATEWAY if topic == "zigbee2mqtt/gw-1" else Layout.SHARED
    with pytest.raises(PayloadError):
        parse_topic(topic, "zigbee2mqtt", layout)


def test_per_gateway_friendly_names_are_looked_up_within_their_gateway():
    devices = DeviceRegistry()
    devices.register("gw-1/pir", "home-1", "kitchen")
    devices.register("gw-2/pir", "home-2", "hall")
    one = normalise("zigbee2mqtt/gw-1/pir", b'{"occupancy": true}', devices, AT, layout=Layout.PER_GATEWAY)
    two = normalise("zigbee2mqtt/gw-2/pir", b'{"occupancy": true}', devices, AT, layout=Layout.PER_GATEWAY)
    assert [(e.home, e.sensor) for e in one.events + two.events] == [("home-1", "pir"), ("home-2", "pir")]
    with pytest.raises(PayloadError, match="on gateway 'gw-3'"):
        normalise("zigbee2mqtt/gw-3/pir", b'{"occupancy": true}', devices, AT, layout=Layout.PER_GATEWAY)
