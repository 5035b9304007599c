"""Availability through a real Mosquitto broker: bridge state, bridge events and per-device availability.

Health is kept per sensor; a gateway going offline is an alert at once for its home; an offline
alert is resolved when the sensor (or gateway) reports again; friendly names may contain "/".
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from backend.domain.monitoring.models import DeadLetter
from sensors.adapters.zigbee2mqtt import Layout
from tests.monitoring.mqtt_helpers import Home, started, until

pytestmark = pytest.mark.mqtt


def test_health_is_per_sensor_and_offline_alerts_resolve_when_the_sensor_or_gateway_is_back(
        api: TestClient, supervisor: dict[str, str], register: Callable[..., dict[str, Any]], seeded_db_url: str,
        mqtt_broker: tuple[str, int]) -> None:
    prefix = f"z2m-{uuid.uuid4().hex[:8]}"
    # Friendly names with "/" (Zigbee2MQTT allows them) register like any other.
    gateway = register({"kitchen/pir": "kitchen", "hall/door": "hall"})["device"]
    device_id = gateway["id"]

    async def scenario() -> dict[str, Any]:
        home = Home(seeded_db_url, mqtt_broker, prefix)
        await started(home.service)
        seen: dict[str, Any] = {}
        try:
            await home.publish("kitchen/pir", '{"occupancy": true, "battery": 80}')
            await home.publish("hall/door", '{"contact": true, "battery": 9}')
            seen["batteries"] = await home.health(device_id)

            # One sensor says it is offline (Zigbee2MQTT 1.30+ JSON form): its alert, not its neighbour's.
            await home.publish("kitchen/pir/availability", '{"state": "offline"}')
            seen["pir_offline"] = (await home.health(device_id), await home.offline_alerts(device_id),
                                   await home.gateway_online(device_id))
            # Back (the legacy bare word): the alert is resolved by the system.
            await home.publish("kitchen/pir/availability", "online")
            seen["pir_back"] = (await home.health(device_id), await home.offline_alerts(device_id))
            # Off again later: a new outage, a new alert; a plain report brings it back too.
            await home.publish("kitchen/pir/availability", "offline")
            seen["pir_again"] = await home.offline_alerts(device_id)
            await home.publish("kitchen/pir", '{"occupancy": false}')
            seen["pir_reported"] = await home.offline_alerts(device_id)

            # The bridge's last will: the gateway is offline at once, for its home.
            await home.publish("bridge/state", '{"state": "offline"}')
            seen["bridge_offline"] = (await home.gateway_online(device_id), await home.offline_alerts(device_id))
            await home.publish("bridge/state", '{"state": "offline"}')  # a retained will redelivered: no new alert
            seen["bridge_twice"] = await home.offline_alerts(device_id)
            await home.publish("bridge/state", "online")  # legacy plain form
            seen["bridge_back"] = (await home.gateway_online(device_id), await home.offline_alerts(device_id))

            # Bridge events: a device leaving the network is offline; joining again brings it back;
            # an interview says nothing about the home and is not a dead letter.
            letters = len(await home.rows(DeadLetter))
            await home.publish("bridge/event", '{"type": "device_leave", "data": {"ieee_address": "0x01", '
                                               '"friendly_name": "hall/door"}}')
            seen["left"] = (await home.health(device_id), await home.offline_alerts(device_id))
            await home.publish("bridge/event", '{"type": "device_interview", "data": {"friendly_name": "hall/door", '
                                               '"status": "started", "ieee_address": "0x01"}}')
            await home.publish("bridge/event", '{"type": "device_joined", "data": {"ieee_address": "0x01", '
                                               '"friendly_name": "hall/door"}}')
            seen["joined"] = (await home.health(device_id), await home.offline_alerts(device_id))
            seen["new_letters"] = len(await home.rows(DeadLetter)) - letters
        finally:
            await home.close()
        return seen

    seen = asyncio.run(scenario())
    assert seen["batteries"] == {"kitchen/pir": (True, 80.0), "hall/door": (True, 9.0)}
    health, alerts, gateway_online = seen["pir_offline"]
    assert health == {"kitchen/pir": (False, 80.0), "hall/door": (True, 9.0)} and gateway_online is True
    assert alerts == [("kitchen/pir", "open")]
    health, alerts = seen["pir_back"]
    assert health["kitchen/pir"] == (True, 80.0) and alerts == [("kitchen/pir", "resolved")]
    assert seen["pir_again"] == [("kitchen/pir", "resolved"), ("kitchen/pir", "open")]
    assert seen["pir_reported"] == [("kitchen/pir", "resolved"), ("kitchen/pir", "resolved")]
    gateway_online, alerts = seen["bridge_offline"]
    assert gateway_online is False and alerts[-1] == ("bridge", "open")
    assert seen["bridge_twice"] == alerts
    gateway_online, alerts = seen["bridge_back"]
    assert gateway_online is True and alerts[-1] == ("bridge", "resolved")
    health, alerts = seen["left"]
    assert health["hall/door"] == (False, 9.0) and alerts[-1] == ("hall/door", "open")
    health, alerts = seen["joined"]
    assert health["hall/door"] == (True, 9.0) and alerts[-1] == ("hall/door", "resolved")
    assert seen["new_letters"] == 0

    # The API lists each sensor's own state and battery.
    sensors = api.get(f"/api/v1/devices/{device_id}/sensors", headers=supervisor).json()
    assert [(s["sensor"], s["online"], s["battery"]) for s in sensors["items"]] == [
        ("hall/door", True, 9.0), ("kitchen/pir", True, 80.0)]
    assert api.get(f"/api/v1/devices/{device_id}", headers=supervisor).json()["online"] is True


def test_per_gateway_bridge_state_alerts_only_that_gateways_home(
        register: Callable[..., dict[str, Any]], seeded_db_url: str, mqtt_broker: tuple[str, int]) -> None:
    prefix = f"z2m-{uuid.uuid4().hex[:8]}"
    down = register({f"pir-{uuid.uuid4().hex[:6]}": "kitchen"})["device"]
    other = register({f"pir-{uuid.uuid4().hex[:6]}": "lounge"})["device"]

    async def scenario() -> tuple[list[Any], list[Any], bool, bool]:
        home = Home(seeded_db_url, mqtt_broker, prefix, Layout.PER_GATEWAY)
        await started(home.service)
        try:
            await home.publish(f"{down['name']}/bridge/state", "offline")
            await until(lambda: home.offline_alerts(down["id"]), timeout=3.0)
            return (await home.offline_alerts(down["id"]), await home.offline_alerts(other["id"]),
                    await home.gateway_online(down["id"]), await home.gateway_online(other["id"]))
        finally:
            await home.close()

    down_alerts, other_alerts, down_online, other_online = asyncio.run(scenario())
    assert down_alerts == [("bridge", "open")] and down_online is False
    assert other_alerts == [] and other_online is True


def test_friendly_names_that_clash_with_zigbee2mqtts_topics_are_refused(
        api: TestClient, supervisor: dict[str, str], register: Callable[..., dict[str, Any]]) -> None:
    client_id = register({})["device"]["client_id"]
    for name in ("bridge", "bridge/extra", "kitchen/pir/set", "pir/availability", "/pir", "pir/", "a//b", "pir#"):
        response = api.post(f"/api/v1/clients/{client_id}/devices", headers=supervisor,
                            json={"name": f"hub-{uuid.uuid4().hex[:8]}", "rooms": {name: "kitchen"}})
        assert response.status_code == 400, name
