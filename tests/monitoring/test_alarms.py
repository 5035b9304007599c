"""Alarms end to end: an SOS press, a leak or smoke, published as the devices publish them, reaches the
board and pages the provider's on-call contacts at once, and again until someone acknowledges it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from backend.app import create_app
from backend.config import Settings
from backend.database.engine import create_engine, session_factory
from backend.domain.alerts.models import Alert
from backend.domain.monitoring.alerting import raise_alarm_alert
from backend.domain.monitoring.devices import DeviceRef
from backend.domain.monitoring.ingest import MonitoringService, MqttOptions
from backend.domain.monitoring.models import DeadLetter
from backend.domain.operations.channels import channels_from_settings
from backend.domain.operations.escalation import deliver, escalate
from backend.domain.operations.models import Notification
from backend.domain.operations.paging import page_alarms, queue_alarm_pages
from shared.enums import SensorKind
from shared.sensor_events import SensorEvent as Reading
from shared.timekeeping import utc_now
from tests.conftest import make_settings
from tests.monitoring.conftest import PROVIDER_1_ADMIN, post_events
from tests.monitoring.mqtt_helpers import mosquitto_pub, started, until
from tests.operations.conftest import Inbox, smtp, webhook  # noqa: F401  (fixtures)

KIT = {"sos_button": {"room": "living", "kind": "sos"}, "bathroom_leak": {"room": "bathroom", "kind": "water_leak"},
       "kitchen_smoke": {"room": "kitchen", "kind": "smoke"}, "hall_pir": "hall"}
# As the devices publish them (exposes of TuYa TS0215A_sos, Aqara SJCGQ11LM, Heiman HS1SA).
SOS = {"action": "emergency", "battery": 100, "voltage": 3000, "linkquality": 120}
LEAK = {"water_leak": True, "battery_low": False, "battery": 100, "voltage": 3005, "device_temperature": 25,
        "power_outage_count": 3, "linkquality": 60}
SMOKE = {"smoke": True, "battery_low": False, "tamper": False, "battery": 83, "linkquality": 100}


@pytest.fixture
def on_call(api: TestClient, headers_for: Callable[[str], dict[str, str]],
            webhook: tuple[list[tuple[bytes, str]], str]) -> list[tuple[bytes, str]]:  # noqa: F811
    """Provider 1's on-call manager, reached by a local webhook; the pages it received."""
    received, url = webhook
    added = api.post("/api/v1/oncall-contacts", headers=headers_for(PROVIDER_1_ADMIN),
                     json={"level": 2, "channel": "webhook", "address": url})
    assert added.status_code in (200, 201), added.text
    return received


def _pages(received: list[tuple[bytes, str]]) -> list[dict[str, Any]]:
    return [json.loads(body) for body, _signature in received]


class Worker:
    """The ingest worker with alarm paging, on a prefix of its own; started, used and stopped in one ``asyncio.run``."""

    def __init__(self, db_url: str, settings: Settings, broker: tuple[str, int]) -> None:
        self.engine = create_engine(db_url)
        self.sessions = session_factory(self.engine)
        self.prefix = f"z2m-{uuid.uuid4().hex[:8]}"  # apart from anyone else on the shared broker

        async def pager(alert_ids: list[int]) -> None:
            await page_alarms(self.sessions, settings, alert_ids, utc_now())

        self.service = MonitoringService(
            self.sessions, MqttOptions(host=broker[0], port=broker[1], prefix=self.prefix,
                                       client_id=f"test-{uuid.uuid4().hex[:8]}"), tick_seconds=3600, pager=pager)

    async def rows(self, model: Any, *where: Any) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.execute(select(model).where(*where))).scalars().all())

    async def close(self) -> None:
        await self.service.stop()
        await self.engine.dispose()


@pytest.fixture
def settings(seeded_db_url: str, tmp_path: Path) -> Settings:
    """The on-call receiver is on this machine: private webhook targets are allowed here."""
    return make_settings(seeded_db_url, tmp_path, webhook_allow_private=True)


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    """The API with those settings, so the on-call webhook on this machine can be saved."""
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.mqtt
def test_sos_leak_and_smoke_reach_the_board_and_page_on_call_at_once(
        api: TestClient, register: Callable[..., dict[str, Any]], supervisor: dict[str, str], on_call: list[Any],
        seeded_db_url: str, settings: Settings, mqtt_broker: tuple[str, int]) -> None:
    gateway = register(KIT)["device"]
    worker = Worker(seeded_db_url, settings, mqtt_broker)

    def board_alarms() -> list[dict[str, Any]]:
        board = api.get("/api/v1/board", headers=supervisor).json()
        return [a for a in board["alerts"]["items"] if a["kind"] == "alarm" and a["client_id"] == gateway["client_id"]]

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Alert]]:
        await started(worker.service)
        try:
            for name, payload in (("sos_button", SOS), ("bathroom_leak", LEAK), ("kitchen_smoke", SMOKE)):
                await asyncio.to_thread(mosquitto_pub, mqtt_broker, f"{worker.prefix}/{name}", json.dumps(payload))

            async def three_on_board() -> list[dict[str, Any]]:
                found = await asyncio.to_thread(board_alarms)
                return found if len(found) == 3 else []

            on_board = await until(three_on_board, timeout=10)

            async def three_paged() -> bool:
                return len(on_call) >= 3

            await until(three_paged, timeout=10)
            # A second press while the first is on the board joins it: the person is already being helped.
            await asyncio.to_thread(mosquitto_pub, mqtt_broker, f"{worker.prefix}/sos_button", json.dumps(SOS))
            await asyncio.sleep(0.5)
            await worker.service.flush()
            alarms = await worker.rows(Alert, Alert.client_id == gateway["client_id"], Alert.kind == "alarm")
            return on_board, _pages(on_call), alarms
        finally:
            await worker.close()

    on_board, pages, alarms = asyncio.run(scenario())
    assert sorted(a["message"].split(":")[0] for a in on_board) == ["SOS button pressed", "Smoke detected",
                                                                     "Water leak detected"]
    assert {a["severity"] for a in on_board} == {"urgent"} and {a["state"] for a in on_board} == {"open"}
    assert len(alarms) == 3, [a.message for a in alarms]
    # Paged without waiting for the escalation pass, each alarm once (round 1), naming what happened.
    assert sorted(page["subject"].split(": ")[1] for page in pages) == ["SOS button pressed", "Smoke detected",
                                                                        "Water leak detected"]
    assert {page["level"] for page in pages} == {1} and all(page["subject"].startswith("[Domicare] ALARM") for page in pages)
    assert {a.escalation_level for a in alarms} == {1}


@pytest.mark.mqtt
def test_an_sos_beside_a_broken_field_still_raises_and_the_field_is_dead_lettered(
        api: TestClient, register: Callable[..., dict[str, Any]], seeded_db_url: str, settings: Settings,
        mqtt_broker: tuple[str, int]) -> None:
    gateway = register(KIT)["device"]
    worker = Worker(seeded_db_url, settings, mqtt_broker)

    async def scenario() -> tuple[list[Alert], list[DeadLetter]]:
        await started(worker.service)
        try:
            await asyncio.to_thread(mosquitto_pub, mqtt_broker, f"{worker.prefix}/sos_button",
                                    '{"action": "single", "battery": "full"}')  # an HS1EB press, registered as SOS

            async def letters() -> list[DeadLetter]:
                return await worker.rows(DeadLetter, DeadLetter.provider_id == gateway["provider_id"],
                                         DeadLetter.reason.contains("battery must be a number"))

            found = await until(letters)
            await worker.service.flush()
            return await worker.rows(Alert, Alert.client_id == gateway["client_id"], Alert.kind == "alarm"), found
        finally:
            await worker.close()

    alarms, letters = asyncio.run(scenario())
    assert [a.message.split(":")[0] for a in alarms] == ["SOS button pressed"]
    assert len(letters) == 1 and "stored the rest" in letters[0].reason


def _raise_alarm(api: TestClient, register: Callable[..., dict[str, Any]]) -> tuple[dict[str, Any], int]:
    """An SOS over the webhook (a hub pushing JSON): the alarm is raised and paged as for MQTT."""
    hub = register({"pendant": {"room": "bedroom", "kind": "sos"}}, kind="webhook")
    response = post_events(api, hub, {"sensor": "pendant", "kind": "sos", "value": 1, "time": utc_now().isoformat()})
    assert response.status_code == 202, response.text
    return hub, response.json()["event_ids"][0]


def test_a_webhook_alarm_is_paged_at_once_and_again_until_acknowledged(
        api: TestClient, register: Callable[..., dict[str, Any]], supervisor: dict[str, str], on_call: list[Any],
        seeded_db_url: str, settings: Settings) -> None:
    hub, _event = _raise_alarm(api, register)
    (alarm,) = [a for a in api.get("/api/v1/board", headers=supervisor).json()["alerts"]["items"]
                if a["kind"] == "alarm" and a["client_id"] == hub["device"]["client_id"]]
    assert [page["level"] for page in _pages(on_call)] == [1]  # paged before the response even returned
    # The board's alarm watch asks for open alarms only, every few seconds.
    watched = api.get("/api/v1/alerts", params={"state": "open", "kind": "alarm"}, headers=supervisor).json()
    assert alarm["id"] in {a["id"] for a in watched["items"]} and {a["kind"] for a in watched["items"]} == {"alarm"}

    async def scenario() -> None:
        engine = create_engine(seeded_db_url)
        sessions = session_factory(engine)
        channels = channels_from_settings(settings)

        async def escalation_pass(minutes_later: float) -> None:
            now = utc_now() + timedelta(minutes=minutes_later)
            counts = await queue_alarm_pages(sessions, settings, now, counts=await escalate(sessions, settings, now))
            await deliver(sessions, channels, now, counts)

        try:
            await escalation_pass(1)  # too early for the next round
            assert len(on_call) == 1
            await escalation_pass(settings.alarm_repage_minutes + 0.5)
            await escalation_pass(settings.alarm_repage_minutes + 0.6)  # the same round is not sent twice
            assert [page["level"] for page in _pages(on_call)] == [1, 2]
            assert "still not acknowledged" in _pages(on_call)[1]["subject"]
            acknowledged = await asyncio.to_thread(api.post, f"/api/v1/alerts/{alarm['id']}/acknowledge",
                                                   headers=supervisor)
            assert acknowledged.status_code == 200, acknowledged.text
            await escalation_pass(5 * settings.alarm_repage_minutes)
            assert len(on_call) == 2  # someone has it: the pages stop
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_an_alarm_left_unpaged_by_a_crash_is_paged_by_the_next_escalation_pass(
        api: TestClient, register: Callable[..., dict[str, Any]], on_call: list[Any], seeded_db_url: str,
        settings: Settings) -> None:
    _raise_alarm(api, register)
    on_call.clear()

    async def scenario() -> int:
        engine = create_engine(seeded_db_url)
        sessions = session_factory(engine)
        try:
            async with sessions() as session, session.begin():  # as if the process died before paging
                for alert in (await session.execute(select(Alert).where(Alert.kind == "alarm"))).scalars():
                    alert.escalation_level = 0
                for row in (await session.execute(select(Notification))).scalars():
                    await session.delete(row)
            counts = await queue_alarm_pages(sessions, settings, utc_now())
            await deliver(sessions, channels_from_settings(settings), utc_now(), counts)
            return counts.escalated
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == 1
    assert [page["level"] for page in _pages(on_call)] == [1]


def test_an_alarm_pages_the_deployment_on_call_address_too(
        api: TestClient, register: Callable[..., dict[str, Any]], seeded_db_url: str, tmp_path: Path,
        smtp: tuple[Inbox, int]) -> None:  # noqa: F811
    inbox, port = smtp
    settings = make_settings(seeded_db_url, tmp_path, smtp_host="127.0.0.1", smtp_port=port,
                             oncall_email="duty@council.example")
    hub = register({"pendant": {"room": "bedroom", "kind": "sos"}}, kind="webhook")["device"]
    engine = create_engine(seeded_db_url)
    sessions = session_factory(engine)
    press = Reading(home="x", sensor="pendant", room="bedroom", kind=SensorKind.SOS, value=1.0, time=utc_now(),
                    source="webhook")

    async def raise_and_page() -> None:
        async with sessions() as session, session.begin():
            alarm, created = await raise_alarm_alert(session, DeviceRef(hub["id"], hub["provider_id"], hub["client_id"]),
                                                     press)
        assert created and alarm.id is not None
        await page_alarms(sessions, settings, [alarm.id], utc_now())

    try:
        asyncio.run(raise_and_page())
    finally:
        asyncio.run(engine.dispose())
    (text,) = inbox.texts()
    assert text.startswith("[Domicare] ALARM: SOS button pressed: pendant (bedroom)")
    assert "acknowledge it on the board" in text
