"""Finance test fixtures, beside the shared database fixtures and API client of tests/conftest.py.

Finance modules are imported inside fixtures only, so collecting this folder never registers
extra tenant repositories before the backend's repository-isolation test collects its list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest


def run(coro: Any) -> Any:
    """Run a coroutine to completion from a synchronous test."""
    return asyncio.run(coro)


@pytest.fixture
def last_week() -> date:
    """The Sunday ending the demo city's fully delivered week."""
    from backend.domain.finance.weeks import last_completed_week
    from shared.timekeeping import utc_now

    return last_completed_week(utc_now()).ending


@pytest.fixture
def db(seeded_db_url: str) -> Callable[..., Any]:
    """Run ``fn(sessionmaker)`` against the seeded database and return its result."""

    def call(fn: Callable[..., Any]) -> Any:
        from backend.database.engine import create_engine, session_factory

        async def go() -> Any:
            engine = create_engine(seeded_db_url)
            try:
                return await fn(session_factory(engine))
            finally:
                await engine.dispose()

        return asyncio.run(go())

    return call


@pytest.fixture(scope="module")
def shared_db_url(db_factory: Any) -> str:
    """One seeded database for a module's tests that only read, or write nothing the others count."""
    return db_factory.new("seeded")


@pytest.fixture(scope="module")
def shared_api(shared_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An API client over :func:`shared_db_url`, shared by a module's tests (cookies cleared per use)."""
    from litestar.testing import TestClient

    from backend.app import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(shared_db_url, tmp_path_factory.mktemp("finance-app")))) as client:
        yield client
