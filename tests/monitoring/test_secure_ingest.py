"""Secure ingest against a Mosquitto of our own started with the shipped password file and ACL
(``deploy/mosquitto``): an anonymous or wrong-gateway publish stores nothing."""

from __future__ import annotations

import asyncio
import getpass
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend.database.engine import create_engine, session_factory
from backend.domain.alerts.models import Alert
from backend.domain.monitoring.ingest import MonitoringService, MqttOptions
from backend.domain.monitoring.models import DeadLetter, SensorEvent
from sensors.adapters.zigbee2mqtt import BrokerAccess, Layout
from tests.monitoring.mqtt_helpers import until
from tests.support.servers import free_port

pytestmark = pytest.mark.mqtt

SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto"
INGEST = BrokerAccess(username="domicare-ingest", password="ingest-example-password")
GATEWAYS = {"gw-example-1": "gateway-example-password-1", "gw-example-2": "gateway-example-password-2"}


def _secured_config(config: Path, port: int, listener_extra: str = "") -> Path:
    """A Mosquitto configuration with the shipped ACL and example password file, anonymous clients refused.

    Mosquitto started as root drops to its own user unless told to stay: it keeps the test's user here,
    so it can read the checkout and pytest's private folders wherever they are.
    """
    config.write_text(f"user {getpass.getuser()}\nper_listener_settings false\nallow_anonymous false\n"
                      f"password_file {SHIPPED / 'passwd.example'}\nacl_file {SHIPPED / 'acl'}\n"
                      f"listener {port} 127.0.0.1\n{listener_extra}persistence false\n")
    return config


@pytest.fixture
def secured_broker(tmp_path: Path) -> Iterator[int]:
    """Mosquitto on a free port with the shipped ACL and example password file, anonymous clients refused."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        pytest.fail("the mosquitto binary is needed (scripts/install-system-packages.sh installs it)")
    port = free_port()
    config = _secured_config(tmp_path / "mosquitto.conf", port)
    process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while subprocess.run(["mosquitto_pub", "-p", str(port), "-u", "gw-example-1", "-P", GATEWAYS["gw-example-1"],
                          "-t", "zigbee2mqtt/gw-example-1/probe", "-m", "{}"], capture_output=True).returncode:
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail(f"secured mosquitto did not start: {process.communicate()[1]!r}")
        time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


def publish(port: int, topic: str, payload: dict[str, Any], *credentials: str) -> subprocess.CompletedProcess[str]:
    """``mosquitto_pub`` as a gateway (``-u``/``-P``) or anonymously; the exit code says whether the broker let it in."""
    return subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-t", topic, "-m", json.dumps(payload),
                           *credentials], capture_output=True, text=True, timeout=10)


def as_gateway(name: str) -> tuple[str, ...]:
    return ("-u", name, "-P", GATEWAYS[name])


def test_only_a_gateway_signed_in_may_speak_and_only_for_its_own_home(
        register: Callable[..., dict[str, Any]], api: Any, seeded_db_url: str, secured_broker: int) -> None:
    # Each gateway's device name is its MQTT username and the last level of its base topic.
    ours = register({"hall_pir": "hall", "sos_button": {"room": "living", "kind": "sos"}})["device"]
    theirs = register({"lounge_pir": "lounge"})["device"]
    api_names = {ours["id"]: "gw-example-1", theirs["id"]: "gw-example-2"}
    engine = create_engine(seeded_db_url)
    sessions = session_factory(engine)

    async def rename() -> None:  # registration picks names; the example accounts are fixed
        from backend.domain.monitoring.models import Device

        async with sessions() as session, session.begin():
            for device_id, name in api_names.items():
                (await session.get(Device, device_id)).name = name

    async def scenario() -> dict[str, Any]:
        await rename()
        service = MonitoringService(sessions, MqttOptions(
            port=secured_broker, prefix="zigbee2mqtt", client_id=f"test-{uuid.uuid4().hex[:8]}",
            layout=Layout.PER_GATEWAY, access=INGEST), tick_seconds=3600)
        await service.start()
        try:
            async def connected() -> bool:
                return service.ingest.connected_count >= 1

            assert await until(connected), service.ingest.refused
            await asyncio.sleep(0.3)
            outcomes = {
                "anonymous": publish(secured_broker, "zigbee2mqtt/gw-example-1/sos_button", {"action": "emergency"}),
                "wrong password": publish(secured_broker, "zigbee2mqtt/gw-example-1/sos_button", {"action": "emergency"},
                                          "-u", "gw-example-1", "-P", "guess"),
                # Signed in, but publishing into another home's base topic: the ACL drops it at the broker.
                "wrong gateway": publish(secured_broker, "zigbee2mqtt/gw-example-1/sos_button", {"action": "emergency"},
                                         *as_gateway("gw-example-2")),
                "own topic": publish(secured_broker, "zigbee2mqtt/gw-example-1/hall_pir", {"occupancy": True},
                                     *as_gateway("gw-example-1")),
                "theirs, own topic": publish(secured_broker, "zigbee2mqtt/gw-example-2/lounge_pir", {"occupancy": True},
                                             *as_gateway("gw-example-2")),
            }

            async def rows(model: Any, *where: Any) -> list[Any]:
                async with sessions() as session:
                    return list((await session.execute(select(model).where(*where))).scalars())

            async def both_homes() -> list[SensorEvent]:
                found = await rows(SensorEvent, SensorEvent.device_id.in_([ours["id"], theirs["id"]]))
                return found if {e.device_id for e in found} == {ours["id"], theirs["id"]} else []

            await until(both_homes, timeout=10)
            await asyncio.sleep(0.5)  # anything the broker let through would have arrived with the rest
            await service.flush()
            return {"outcomes": outcomes,
                    "events": await rows(SensorEvent, SensorEvent.device_id.in_([ours["id"], theirs["id"]])),
                    "alarms": await rows(Alert, Alert.kind == "alarm"),
                    "letters": await rows(DeadLetter)}
        finally:
            await service.stop()
            await engine.dispose()

    seen = asyncio.run(scenario())
    codes = {name: result.returncode for name, result in seen["outcomes"].items()}
    assert codes["anonymous"] != 0 and "not authorised" in seen["outcomes"]["anonymous"].stderr.lower()
    assert codes["wrong password"] != 0
    assert codes["wrong gateway"] == 0  # MQTT 3.1.1 does not tell a publisher its message was dropped...
    assert codes["own topic"] == 0 and codes["theirs, own topic"] == 0
    # ...but nothing of it was stored: only each gateway's own report, and no alarm.
    assert sorted((e.device_id, e.sensor, e.kind) for e in seen["events"]) == sorted(
        [(ours["id"], "hall_pir", "motion"), (theirs["id"], "lounge_pir", "motion")])
    assert seen["alarms"] == [] and seen["letters"] == []


def test_an_ingest_worker_with_wrong_credentials_is_refused_and_says_so(secured_broker: int, seeded_db_url: str) -> None:
    async def scenario() -> tuple[bool, str | None]:
        engine = create_engine(seeded_db_url)
        service = MonitoringService(session_factory(engine), MqttOptions(
            port=secured_broker, client_id=f"test-{uuid.uuid4().hex[:8]}",
            access=BrokerAccess(username="domicare-ingest", password="not-it")), tick_seconds=3600)
        await service.start()
        try:
            async def refused() -> str | None:
                return service.ingest.refused

            reason = await until(refused, timeout=10)
            return service.is_connected(), reason
        finally:
            await service.stop()
            await engine.dispose()

    connected, reason = asyncio.run(scenario())
    assert not connected and reason is not None and "not authorized" in reason.lower().replace("authorised", "authorized")


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a broker certificate for 127.0.0.1 signed by it (ca, cert, key)."""
    ca_key, ca, key, request, cert = (folder / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Domicare test CA",
        "-keyout", str(ca_key), "-out", str(ca))
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(request))
    extensions = folder / "san.cnf"
    extensions.write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", str(request), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-days", "1",
        "-extfile", str(extensions), "-out", str(cert))
    return ca, cert, key


def test_the_worker_reaches_a_tls_broker_and_verifies_its_certificate(
        tmp_path: Path, register: Callable[..., dict[str, Any]], seeded_db_url: str) -> None:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make the test certificates")
    ca, cert, key = _certificates(tmp_path)
    port = free_port()
    config = _secured_config(tmp_path / "tls.conf", port, f"cafile {ca}\ncertfile {cert}\nkeyfile {key}\n")
    broker = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(config)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gateway = register({"hall_pir": "hall"})["device"]
    credentials = ("--cafile", str(ca), "-u", "gw-example-1", "-P", GATEWAYS["gw-example-1"])

    async def scenario() -> list[SensorEvent]:
        engine = create_engine(seeded_db_url)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            from backend.domain.monitoring.models import Device

            (await session.get(Device, gateway["id"])).name = "gw-example-1"
        service = MonitoringService(sessions, MqttOptions(
            host="127.0.0.1", port=port, client_id=f"test-{uuid.uuid4().hex[:8]}", layout=Layout.PER_GATEWAY,
            access=BrokerAccess(username=INGEST.username, password=INGEST.password, tls=True, ca_file=str(ca))),
            tick_seconds=3600)
        await service.start()
        try:
            async def connected() -> bool:
                return service.ingest.connected_count >= 1

            assert await until(connected, timeout=15), service.ingest.refused
            await asyncio.sleep(0.3)
            published = await asyncio.to_thread(publish, port, "zigbee2mqtt/gw-example-1/hall_pir", {"occupancy": True},
                                                *credentials)
            assert published.returncode == 0, published.stderr

            async def stored() -> list[SensorEvent]:
                async with sessions() as session:
                    return list((await session.execute(
                        select(SensorEvent).where(SensorEvent.device_id == gateway["id"]))).scalars())

            return await until(stored, timeout=10)
        finally:
            await service.stop()
            await engine.dispose()

    try:
        time.sleep(0.5)
        events = asyncio.run(scenario())
    finally:
        broker.terminate()
        broker.wait(timeout=10)
    assert [(e.sensor, e.kind, e.value) for e in events] == [("hall_pir", "motion", 1.0)]
