"""The ``domicare`` command line, run as a user runs it: a real process and a real HTTP server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port

DOMICARE = [sys.executable, "-m", "domicare"]



def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DOMICARE_DATA_DIR": str(tmp_path)}


def test_unreachable_database_gives_one_line_without_traceback(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+asyncpg://nobody:secret@127.0.0.1:{port}/nowhere"
    result = subprocess.run(
        [*DOMICARE, "db", "upgrade", "--database-url", url], capture_output=True, text=True, env=_env(tmp_path), timeout=60
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("domicare db: cannot reach the database")
    assert "secret" not in lines[0], "passwords are never printed"


@pytest.fixture
def served(seeded_db_url: str, tmp_path: Path) -> Iterator[str]:
    """``domicare serve`` on a seeded database, as a real process on a free port (two workers on PostgreSQL)."""
    port = free_port()
    workers = "1" if seeded_db_url.startswith("sqlite") else "2"
    process = subprocess.Popen(
        [*DOMICARE, "serve", "--database-url", seeded_db_url, "--port", str(port), "--workers", workers],
        env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not come up")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_answers_health_readiness_openapi_and_sign_in(served: str) -> None:
    assert httpx.get(f"{served}/health").json() == {"status": "ok"}
    assert httpx.get(f"{served}/health/ready").json()["status"] == "ready"
    spec = httpx.get(f"{served}/schema/openapi.json").json()
    assert "/api/v1/auth/token" in spec["paths"]
    token = httpx.post(f"{served}/api/v1/auth/token", data={"username": "admin.demo", "password": "demo-password"})
    assert token.status_code == 200 and token.json()["token_type"] == "bearer"


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'one-writer.db'}"
    result = subprocess.run([*DOMICARE, "serve", "--database-url", url, "--workers", "2"],
                            capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "SQLite allows one writer process" in result.stderr


def test_seed_refuses_a_database_that_already_has_data(seeded_db_url: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [*DOMICARE, "seed", "--database-url", seeded_db_url], capture_output=True, text=True, env=_env(tmp_path), timeout=120
    )
    assert result.returncode == 1
    assert "already holds data" in result.stderr and "Traceback" not in result.stderr


def test_help_lists_every_area(tmp_path: Path) -> None:
    result = subprocess.run([*DOMICARE, "--help"], capture_output=True, text=True, env=_env(tmp_path), timeout=60)
    for command in ("demo", "serve", "seed", "db", "roster", "sensors"):
        assert command in result.stdout
