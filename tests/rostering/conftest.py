"""Fixtures of the rostering tests: the read-only benchmark data folder for the engine, and for the
area's API a signed-in supervisor, a database runner and a job poller."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from tests.conftest import sign_in

if TYPE_CHECKING:
    from litestar.testing import TestClient

T = TypeVar("T")

DATA = Path(os.environ.get("DOMICARE_ROSTERING_DATA", Path(__file__).resolve().parents[3] / "shared" / "data" / "rostering"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The benchmark instances (skips the test when the folder is absent)."""
    if not DATA.is_dir():
        pytest.skip(f"benchmark data not found at {DATA}")
    return DATA


@pytest.fixture
def supervisor(api: TestClient) -> dict[str, str]:
    """Headers of provider 1's supervisor."""
    return sign_in(api, "supervisor.demo")


@pytest.fixture
def run_db(seeded_db_url: str) -> Callable[[Callable[[Any], Coroutine[Any, Any, T]]], T]:
    """Run ``work(session)`` against the test database in its own event loop, committing at the end."""
    from backend.database.engine import create_engine, session_factory

    def run(work: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
        async def go() -> T:
            engine = create_engine(seeded_db_url)
            try:
                async with session_factory(engine)() as session:
                    value = await work(session)
                    await session.commit()
                    return value
            finally:
                await engine.dispose()

        return asyncio.run(go())

    return run


def wait_for(api: TestClient, headers: dict[str, str], roster_id: int, timeout: float = 90.0) -> dict[str, Any]:
    """Poll a roster job until it is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(f"/api/v1/rosters/{roster_id}", headers=headers).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"roster {roster_id} did not finish in {timeout} s: {body}")
