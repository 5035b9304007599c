"""Fixtures for the sensors tests: the real Kasteren recording and the local Mosquitto broker."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

KASTEREN = Path(os.environ.get("DOMICARE_KASTEREN", "/work/shared/data/sensors/kasteren_house_a"))
BROKER = ("127.0.0.1", 1883)


def port_open(host: str, port: int) -> bool:
    """Whether something accepts TCP connections there."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _need_service(reason: str) -> None:
    # In CI the services must be there: a silent skip would hide a broken ingest.
    if os.environ.get("DOMICARE_REQUIRE_SERVICES"):
        pytest.fail(f"{reason} and DOMICARE_REQUIRE_SERVICES is set")
    pytest.skip(f"SKIPPED LOUDLY: {reason}; start it with `mosquitto -d -c /etc/mosquitto/mosquitto.conf`")


@pytest.fixture
def broker() -> tuple[str, int]:
    """The shared local broker, or a loud skip (a failure when services are required)."""
    if not port_open(*BROKER):
        _need_service("no MQTT broker on 127.0.0.1:1883")
    return BROKER


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[dict[str, object]]:
    """A Mosquitto of our own on a free port, so a test can stop and restart it safely."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        _need_service("mosquitto binary not found")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                      f"persistence_location {tmp_path}/\n")
    handle: dict[str, object] = {"port": port}

    def start() -> None:
        process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        handle["process"] = process
        deadline = time.monotonic() + 5
        while not port_open("127.0.0.1", port):
            if time.monotonic() > deadline:
                raise RuntimeError("private mosquitto did not start")
            time.sleep(0.05)

    def stop() -> None:
        process = handle["process"]
        assert isinstance(process, subprocess.Popen)
        process.terminate()
        process.wait(timeout=5)

    handle["start"], handle["stop"] = start, stop
    start()
    yield handle
    stop()


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


@pytest.fixture
def wait_for() -> Callable[..., bool]:
    """Poll until ``condition()`` is true or the timeout passes."""
    return _wait_for


@pytest.fixture
def kasteren_path() -> Path:
    """The real Kasteren House A folder (read-only)."""
    if not (KASTEREN / "kasterenSenseData.txt").exists():
        pytest.skip(f"SKIPPED LOUDLY: Kasteren recording not found at {KASTEREN}")
    return KASTEREN
