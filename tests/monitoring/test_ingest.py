"""The MQTT ingest worker against the real Mosquitto broker, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from backend.database.engine import create_engine, session_factory
from backend.domain.alerts.models import Alert
from backend.domain.monitoring.devices import DeviceRef
from backend.domain.monitoring.ingest import MonitoringService, MqttOptions
from backend.domain.monitoring.models import DeadLetter, Device, SensorEvent, SensorHealth
from backend.domain.welfare.models import WelfareCheck
from shared.enums import SensorKind
from shared.sensor_events import SensorEvent as Reading
from shared.timekeeping import to_london, utc_now
from tests.monitoring.conftest import PROVIDER_1_ADMIN, post_events
from tests.monitoring.mqtt_helpers import mosquitto_pub, started, until

pytestmark = pytest.mark.mqtt


async def _count(found: Any, at_least: int) -> list[Any]:
    rows = await found
    return rows if len(rows) >= at_least else []


def test_zigbee2mqtt_traffic_is_stored_for_the_right_home_with_health_alerts_and_dead_letters(
        api: TestClient, register: Callable[..., dict[str, Any]], headers_for: Callable[[str], dict[str, str]],
        seeded_db_url: str, mqtt_broker: tuple[str, int]) -> None:
    prefix = f"z2m-{uuid.uuid4().hex[:8]}"  # apart from anyone else on the shared broker
    gateway = register({"kitchen_pir": "Kitchen", "front_door": "front door"})["device"]
    client_id, device_id = gateway["client_id"], gateway["id"]

    async def scenario() -> dict[str, Any]:
        engine = create_engine(seeded_db_url)
        sessions = session_factory(engine)
        service = MonitoringService(sessions, MqttOptions(host=mqtt_broker[0], port=mqtt_broker[1], prefix=prefix,
                                                          client_id=f"test-{uuid.uuid4().hex[:8]}"), tick_seconds=3600)
        await started(service)

        async def rows(model: Any, *where: Any) -> list[Any]:
            async with sessions() as session:
                return list((await session.execute(select(model).where(*where))).scalars().all())

        try:
            await asyncio.to_thread(mosquitto_pub, mqtt_broker, f"{prefix}/kitchen_pir", '{"occupancy": true, "battery": 9}')
            async def both() -> list[SensorEvent]:  # one message, two readings (motion and battery)
                found = await rows(SensorEvent, SensorEvent.device_id == device_id)
                return found if len(found) == 2 else []

            events = await until(both, timeout=10.0)  # how fast is measured in bench/, not asserted here
            # Wrong JSON from a registered device, a device nobody registered, and a gateway reporting offline.
            for topic, message in ((f"{prefix}/kitchen_pir", "not json"), (f"{prefix}/stranger", '{"occupancy": true}'),
                                   (f"{prefix}/kitchen_pir", '{"battery": 1' + "0" * 400 + "}"),  # no float holds it
                                   (f"{prefix}/front_door/availability", "offline")):
                await asyncio.to_thread(mosquitto_pub, mqtt_broker, topic, message)
            await until(lambda: _count(rows(DeadLetter), 3), timeout=3.0)
            await until(lambda: rows(Alert, Alert.kind == "device_offline"), timeout=3.0)
            await service.flush()
            letters = await rows(DeadLetter)
            device = (await rows(Device, Device.id == device_id))[0]
            health = await rows(Alert, Alert.client_id == client_id, Alert.kind.in_(["low_battery", "device_offline"]))
            sensors = await rows(SensorHealth, SensorHealth.device_id == device_id)

            # Silence: drive the detectors' clock forward until the inactivity detector asks for a welfare check.
            anomalies: list[WelfareCheck] = []
            for hours in range(1, 25):
                await service.tick(utc_now() + timedelta(hours=hours))
                anomalies = await rows(WelfareCheck, WelfareCheck.client_id == client_id)
                if anomalies:
                    break
            return {"events": events, "letters": letters, "device": device, "health": health, "sensors": sensors,
                    "anomalies": anomalies, "hours": hours}
        finally:
            await service.stop()
            await engine.dispose()

    seen = asyncio.run(scenario())
    assert sorted((e.sensor, e.room, e.kind, e.value, e.client_id) for e in seen["events"]) == [
        ("kitchen_pir", "kitchen", "battery", 9.0, client_id), ("kitchen_pir", "kitchen", "motion", 1.0, client_id)]
    # Health is per sensor: the door's outage is its own, the gateway relaying it is up.
    assert sorted((s.sensor, s.online, s.battery) for s in seen["sensors"]) == [
        ("front_door", False, None), ("kitchen_pir", True, 9.0)]
    assert seen["device"].last_seen is not None and seen["device"].online is True
    assert sorted(a.kind for a in seen["health"]) == ["device_offline", "low_battery"]
    assert all(a.provider_id == 1 for a in seen["health"])
    reasons = sorted((letter.provider_id or 0, letter.reason) for letter in seen["letters"])
    assert len(reasons) == 3 and "not registered" in reasons[0][1]
    assert "not valid JSON" in reasons[1][1] + reasons[2][1] and "outside 0..100" in reasons[1][1] + reasons[2][1]
    (anomaly,) = seen["anomalies"]
    assert anomaly.state == "open" and anomaly.detector == "inactivity" and "no sign of life since" in anomaly.explanation

    # Admins of the provider see their device's dead letter with the reason; the unregistered one is not theirs.
    letters = api.get("/api/v1/dead-letters", headers=headers_for(PROVIDER_1_ADMIN)).json()
    assert sorted(item["payload"][:12] for item in letters["items"]) == ['not json', '{"battery": ']
    assert {item["source"] for item in letters["items"]} == {"zigbee2mqtt"}


def test_a_gateway_registered_while_running_is_picked_up_and_webhook_homes_reach_the_detectors(
        api: TestClient, register: Callable[..., dict[str, Any]], seeded_db_url: str,
        mqtt_broker: tuple[str, int]) -> None:
    prefix = f"z2m-{uuid.uuid4().hex[:8]}"

    async def scenario() -> tuple[list[SensorEvent], list[WelfareCheck], int, int]:
        engine = create_engine(seeded_db_url)
        sessions = session_factory(engine)
        service = MonitoringService(sessions, MqttOptions(host=mqtt_broker[0], port=mqtt_broker[1], prefix=prefix,
                                                          client_id=f"test-{uuid.uuid4().hex[:8]}"), tick_seconds=3600)
        await started(service)
        try:
            await asyncio.sleep(0.5)  # past the refresh throttle
            gateway = (await asyncio.to_thread(register, {"lounge_pir": "lounge"}))["device"]
            await asyncio.to_thread(mosquitto_pub, mqtt_broker, f"{prefix}/lounge_pir", '{"occupancy": true}')

            async def stored() -> list[SensorEvent]:
                async with sessions() as session:
                    return list((await session.execute(
                        select(SensorEvent).where(SensorEvent.device_id == gateway["id"]))).scalars().all())

            events = await until(stored, timeout=3.0)
            # A webhook home: readings stored by the API are handed to the same detectors.
            hub = (await asyncio.to_thread(register, {}, "webhook"))["device"]  # another home
            ref = DeviceRef(hub["id"], hub["provider_id"], hub["client_id"])
            service.observe(ref, [Reading(home="x", sensor="hub-pir", room="living", kind=SensorKind.MOTION,
                                          value=1.0, time=utc_now(), source="webhook")])
            await service.tick(utc_now() + timedelta(hours=20))
            async with sessions() as session:
                alerts = list((await session.execute(select(WelfareCheck).where(
                    WelfareCheck.client_id.in_([gateway["client_id"], ref.client_id])))).scalars())
            return events, alerts, gateway["client_id"], hub["client_id"]
        finally:
            await service.stop()
            await engine.dispose()

    events, alerts, client_id, hub_client_id = asyncio.run(scenario())
    assert [(e.sensor, e.client_id, e.kind) for e in events] == [("lounge_pir", client_id, "motion")]
    assert {a.client_id for a in alerts} == {client_id, hub_client_id} and client_id != hub_client_id


def test_after_a_restart_every_home_is_watched_from_its_stored_past(
        api: TestClient, register: Callable[..., dict[str, Any]], seeded_db_url: str,
        mqtt_broker: tuple[str, int]) -> None:
    # A hub reported movement yesterday morning and nothing since; then the worker (re)starts.
    hub = register({"hall pir": "hall"}, kind="webhook")
    client_id = hub["device"]["client_id"]
    yesterday = (to_london(utc_now()) - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    posted = post_events(api, hub, {"sensor": "hall pir", "kind": "motion", "value": 1, "time": yesterday.isoformat()})
    assert posted.status_code == 202, posted.text

    async def scenario() -> list[WelfareCheck]:
        engine = create_engine(seeded_db_url)
        sessions = session_factory(engine)
        service = MonitoringService(sessions, MqttOptions(host=mqtt_broker[0], port=mqtt_broker[1],
                                                          prefix=f"z2m-{uuid.uuid4().hex[:8]}",
                                                          client_id=f"test-{uuid.uuid4().hex[:8]}"), tick_seconds=3600)
        await service.start()
        try:
            await service.tick(yesterday + timedelta(hours=8))  # no new event from this home: only its history can tell
            async with sessions() as session:
                return list((await session.execute(select(WelfareCheck).where(
                    WelfareCheck.client_id == client_id))).scalars())
        finally:
            await service.stop()
            await engine.dispose()

    (check,) = asyncio.run(scenario())
    assert "no sign of life since" in check.explanation
