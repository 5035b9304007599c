"""Helpers of the monitoring tests that drive the ingest worker through a real Mosquitto broker."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import Any

from backend.domain.monitoring.ingest import MonitoringService


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
