"""Helpers of the monitoring tests that drive the ingest worker through a real Mosquitto broker."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from backend.database.engine import create_engine, session_factory
from backend.domain.alerts.models import Alert
from backend.domain.monitoring.ingest import MonitoringService, MqttOptions
from backend.domain.monitoring.models import Device, SensorHealth
from sensors.adapters.zigbee2mqtt import Layout


def mosquitto_pub(broker: tuple[str, int], topic: str, message: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """Publish as an installer would, with the broker's own command-line client (``extra``: -u, -P...)."""
    return subprocess.run(["mosquitto_pub", "-h", broker[0], "-p", str(broker[1]), "-q", "1", "-t", topic,
                           "-m", message, *extra], check=True, timeout=10, capture_output=True, text=True)


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 5.0) -> Any:
    """Poll an async check until it returns something truthy or the timeout passes; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.02)


async def started(service: MonitoringService) -> MonitoringService:
    """Start the worker and wait until it is connected and subscribed."""
    await service.start()

    async def connected() -> bool:
        return service.ingest.connected_count >= 1

    assert await until(connected)
    await asyncio.sleep(0.2)  # the subscription is sent on connect; let the broker take it
    return service


class Home:
    """Drives a monitoring worker on one prefix and reads back what it stored."""

    def __init__(self, db_url: str, broker: tuple[str, int], prefix: str, layout: Layout = Layout.SHARED) -> None:
        self.broker, self.prefix = broker, prefix
        self.engine = create_engine(db_url)
        self.sessions = session_factory(self.engine)
        self.service = MonitoringService(self.sessions, MqttOptions(
            host=broker[0], port=broker[1], prefix=prefix, client_id=f"test-{uuid.uuid4().hex[:8]}", layout=layout),
            tick_seconds=3600)

    async def publish(self, topic: str, message: str) -> None:
        """Publish under the prefix and wait until the worker has received it and stored what it made of it."""
        before = self.service.ingest.handled
        await asyncio.to_thread(mosquitto_pub, self.broker, f"{self.prefix}/{topic}", message)

        async def received() -> bool:
            return self.service.ingest.handled > before

        assert await until(received, timeout=10.0), f"{topic} never arrived"
        await self.service.flush()

    async def rows(self, model: Any, *where: Any) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.execute(select(model).where(*where))).scalars().all())

    async def offline_alerts(self, device_id: int) -> list[tuple[str, str]]:
        """(sensor, state) of the device's offline alerts, oldest first."""
        found = await self.rows(Alert, Alert.kind == "device_offline")
        return [(a.detail["sensor"], a.state) for a in sorted(found, key=lambda a: a.id)
                if a.detail.get("device_id") == device_id]

    async def health(self, device_id: int) -> dict[str, tuple[bool, float | None]]:
        return {row.sensor: (row.online, row.battery)
                for row in await self.rows(SensorHealth, SensorHealth.device_id == device_id)}

    async def gateway_online(self, device_id: int) -> bool:
        return (await self.rows(Device, Device.id == device_id))[0].online

    async def close(self) -> None:
        await self.service.stop()
        await self.engine.dispose()
