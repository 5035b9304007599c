"""A started server has moved its start-up objects out of the collector's reach, once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from backend.app import create_app
from tests.conftest import make_settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """This process as a fresh server would be: nothing frozen yet."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_starting_the_app_freezes_what_start_up_built(unfrozen: None, seeded_db_url: str, tmp_path: Path) -> None:
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(make_settings(seeded_db_url, tmp_path))) as client:
        frozen = gc.get_freeze_count()
        assert frozen > 50_000  # the imports, routes and schemas, not a handful
        assert client.get("/health").status_code == 200
    with TestClient(create_app(make_settings(seeded_db_url, tmp_path))):
        # a second app freezes nothing more (frozen objects still die by reference count, so the figure may fall)
        assert gc.get_freeze_count() <= frozen
