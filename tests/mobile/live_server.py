"""The real Domicare backend in a subprocess, on a seeded SQLite file, that tests can stop and restart.

Stopping it is how the tests switch the carer's "network" off: the phone's requests then
fail exactly as they would without signal.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-key-not-for-production-0123456789"


def env_for(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DOMICARE_DATA_DIR=str(data_dir), DOMICARE_SECRET_KEY=os.environ.get("DOMICARE_SECRET_KEY", SECRET),
               PYTHONUNBUFFERED="1", DOMICARE_SCHEDULER="0")
    return env


def seed_database(db_path: Path) -> None:
    """The tests' city (the small demo city, today's round still to do) in ``db_path``."""
    from tests.conftest import prepare_test_database

    asyncio.run(prepare_test_database(f"sqlite+aiosqlite:///{db_path}", seeded=True))


class LiveServer:
    """``python -m domicare serve`` on a given database file and port."""

    def __init__(self, db_path: Path, data_dir: Path, port: int | None = None) -> None:
        self.db_path, self.data_dir = db_path, data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / f"server-{self.port}.log"

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "domicare", "serve", "--database-url", f"sqlite+aiosqlite:///{self.db_path}",
                 "--port", str(self.port)],
                cwd=ROOT, env=env_for(self.data_dir), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become healthy")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def client(self, username: str, password: str = "demo-password") -> httpx.Client:
        token = httpx.post(f"{self.url}/api/v1/auth/token", data={"username": username, "password": password}).json()
        return httpx.Client(base_url=f"{self.url}/api/v1", headers={"Authorization": f"Bearer {token['access_token']}"})


def copy_database(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target
