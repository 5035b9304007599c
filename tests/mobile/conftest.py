"""Fixtures for the app's tests: a seeded demo database and the real backend serving it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mobile.live_server import LiveServer, copy_database, seed_database


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo city seeded once per run; tests copy it."""
    folder = tmp_path_factory.mktemp("mobile-db")
    db = folder / "template.db"
    seed_database(db)
    return db


@pytest.fixture(scope="session")
def live_server(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real backend on a copy of the demo city, shared by the app's tests to save start-ups.

    Tests that need it stopped (the carer's network going down) start it again before they end;
    tests touch different visits, so they do not depend on each other's order.
    """
    folder = tmp_path_factory.mktemp("mobile-server")
    server = LiveServer(copy_database(seeded_template, folder / "server.db"), folder)
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _server_running(request: pytest.FixtureRequest) -> None:
    """If an earlier test left the shared server stopped, start it again."""
    if "live_server" in request.fixturenames:
        server = request.getfixturevalue("live_server")
        if server.process is None:
            server.start()
