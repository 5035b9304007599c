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
    seed_database(db, folder)
    return db


@pytest.fixture
def live_server(seeded_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """The real backend on a fresh copy of the demo city, for one test."""
    server = LiveServer(copy_database(seeded_template, tmp_path / "server.db"), tmp_path)
    server.start()
    yield server
    server.stop()
