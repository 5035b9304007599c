"""API fixtures: an app on a seeded database and signed-in clients for the demo roles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from backend.app import create_app
from fixtures.city import DEMO_PASSWORD
from tests.conftest import make_settings


@pytest.fixture
def api(seeded_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """An in-process client of the API over the seeded demo city."""
    with TestClient(create_app(make_settings(seeded_db_url, tmp_path))) as client:
        yield client


def sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Authorization headers for a user."""
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def headers_for(api: TestClient) -> Callable[[str], dict[str, str]]:
    """Sign in as any seeded user and get their request headers."""
    return lambda username: sign_in(api, username)
