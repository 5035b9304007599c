"""Fixtures for the rostering API: the seeded demo city behind a test client, and a job poller."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from litestar.testing import TestClient

from backend.app import create_app
from backend.database.engine import create_engine, session_factory
from tests.backend.conftest import sign_in
from tests.conftest import make_settings

T = TypeVar("T")


@pytest.fixture
def api(seeded_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """An in-process client of the API over the seeded demo city."""
    with TestClient(create_app(make_settings(seeded_db_url, tmp_path))) as client:
        yield client


@pytest.fixture
def supervisor(api: TestClient) -> dict[str, str]:
    """Headers of provider 1's supervisor."""
    return sign_in(api, "supervisor.demo")


@pytest.fixture
def run_db(seeded_db_url: str) -> Callable[[Callable[[Any], Coroutine[Any, Any, T]]], T]:
    """Run ``work(session)`` against the test database in its own event loop, committing at the end."""

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
