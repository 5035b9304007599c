"""The hub's tests' API: the demo city with an SMS gateway's auth token configured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.conftest import make_settings

SMS_TOKEN = "test-gateway-auth-token"


@pytest.fixture
def sms_api(seeded_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """An in-process client of the API whose SMS webhook checks signatures with ``SMS_TOKEN``."""
    from backend.app import create_app

    with TestClient(create_app(make_settings(seeded_db_url, tmp_path, sms_auth_token=SMS_TOKEN))) as client:
        yield client
