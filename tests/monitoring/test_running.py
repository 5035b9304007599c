"""The ways the ingest worker runs: ``domicare monitor`` in the foreground, and beside the API in its lifespan."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import TestClient
from sqlalchemy import select

from backend.database.engine import create_engine, session_factory
from backend.domain.monitoring.ingest import monitoring_lifespan
from backend.domain.monitoring.models import SensorEvent
from tests.conftest import make_settings
from tests.monitoring.mqtt_helpers import mosquitto_pub

pytestmark = pytest.mark.mqtt


def _events(db_url: str, device_id: int) -> list[SensorEvent]:
    async def run() -> list[SensorEvent]:
        engine = create_engine(db_url)
        async with session_factory(engine)() as session:
            rows = list((await session.execute(select(SensorEvent).where(SensorEvent.device_id == device_id))).scalars())
        await engine.dispose()
        return rows

    return asyncio.run(run())


def _wait_for_events(db_url: str, device_id: int, timeout: float) -> list[SensorEvent]:
    deadline = time.monotonic() + timeout
    while True:
        rows = _events(db_url, device_id)
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.02)


def test_domicare_monitor_stores_a_mosquitto_pub_message(
        register: Callable[..., dict[str, Any]], seeded_db_url: str, mqtt_broker: tuple[str, int],
        tmp_path: Path) -> None:
    prefix = f"z2m-{uuid.uuid4().hex[:8]}"
    gateway = register({"bedroom_pir": "bedroom"})["device"]
    env = {**os.environ, "DOMICARE_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "domicare", "monitor", "--database-url", seeded_db_url, "--mqtt-host", mqtt_broker[0],
         "--mqtt-port", str(mqtt_broker[1]), "--prefix", prefix, "--client-id", f"test-{uuid.uuid4().hex[:8]}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        if not banner.startswith("monitoring "):
            process.kill()  # stderr can only be read whole once the process has ended
            pytest.fail(f"no banner: {banner!r} {process.communicate(timeout=15)[1][-2000:]}")
        assert " sensors registered" in banner  # the demo city's homes and ours
        time.sleep(0.5)  # connect and subscribe
        mosquitto_pub(mqtt_broker, f"{prefix}/bedroom_pir", '{"occupancy": true}')
        # How fast is measured in bench/, not here: a loaded CI machine must not fail a correct worker.
        rows = _wait_for_events(seeded_db_url, gateway["id"], timeout=15.0)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert [(e.client_id, e.room, e.kind) for e in rows] == [(gateway["client_id"], "bedroom", "motion")]
    assert process.returncode == 0, err
    assert "stopped after storing 1 events" in out


def test_lifespan_hook_runs_the_worker_beside_the_api(
        register: Callable[..., dict[str, Any]], seeded_db_url: str, mqtt_broker: tuple[str, int], tmp_path: Path) -> None:
    prefix = f"z2m-{uuid.uuid4().hex[:8]}"
    gateway = register({"hall_pir": "hall"})["device"]
    settings = make_settings(seeded_db_url, tmp_path, mqtt_ingest=True, mqtt_host=mqtt_broker[0], mqtt_port=mqtt_broker[1],
                             mqtt_prefix=prefix, mqtt_client_id=f"test-{uuid.uuid4().hex[:8]}")

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        # What the app's own lifespan provides: an engine on the serving loop.
        engine = create_engine(seeded_db_url)
        app.state.sessionmaker = session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = Litestar(route_handlers=[], lifespan=[database, monitoring_lifespan],
                   state=State({"settings": settings}))
    with TestClient(app):
        handle = app.state.monitoring
        deadline = time.monotonic() + 5
        while not handle.is_connected() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        mosquitto_pub(mqtt_broker, f"{prefix}/hall_pir", '{"occupancy": true}')
        rows = _wait_for_events(seeded_db_url, gateway["id"], timeout=15.0)
    assert app.state.monitoring is None  # stopped with the app
    assert [(e.sensor, e.room) for e in rows] == [("hall_pir", "entrance")]
