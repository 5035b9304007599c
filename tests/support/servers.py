"""Real servers for tests: a free local port, the backend as a process (``python -m domicare serve``)
for the kill test and the fuzz test, and queue workers (``python -m domicare worker``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """Starts, kills (SIGKILL) and restarts ``domicare serve`` on a port."""

    def __init__(self, database_url: str, port: int, data_dir: Path, *, scheduler: bool = True,
                 extra_env: dict[str, str] | None = None) -> None:
        self.database_url, self.port, self.data_dir = database_url, port, data_dir
        self.env = {**os.environ, "DOMICARE_DATA_DIR": str(data_dir), "DOMICARE_SCHEDULER": "1" if scheduler else "0",
                    "PYTHONUNBUFFERED": "1", **(extra_env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"
        self.base_url = f"http://127.0.0.1:{port}"

    def start(self, timeout: float = 60.0) -> None:
        data_dir = self.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "domicare", "serve", "--database-url", self.database_url, "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not become healthy in {timeout} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing, like a power cut of the process."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class WorkerProcess:
    """``domicare worker`` taking jobs from a queue; stopped (SIGTERM, then SIGKILL) with every process below it."""

    def __init__(self, database_url: str, data_dir: Path, env: dict[str, str]) -> None:
        self.database_url, self.data_dir = database_url, data_dir
        self.env = {**os.environ, "DOMICARE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **env}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "worker.log"

    def start(self, timeout: float = 60.0) -> None:
        """Start the worker and wait until it takes jobs (a job waiting since before then could meet SAQ's
        start-up sweep, which marks a job it sees between dequeue and start as aborted in the queue's record)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "domicare", "worker", "--database-url", self.database_url],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while "Worker starting" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the worker did not start; see {self.log}:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        from tests.support.processes import descendants, kill_all

        if self.process is None or self.process.poll() is not None:
            return
        below = descendants(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        kill_all(below)
