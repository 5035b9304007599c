"""Fixtures for the monitoring tests: the API over the seeded city, staff headers, and a registered gateway."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from backend.domain.monitoring.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature


PROVIDER_1_SUPERVISOR = "supervisor.demo"
PROVIDER_1_ADMIN = "admin.demo"
PROVIDER_2_SUPERVISOR = "supervisor.p002"
PROVIDER_2_ADMIN = "admin.p002"


def first_client(api: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """The first client of the signed-in caller's provider without devices (the demo city fits some homes)."""
    response = api.get("/api/v1/clients", headers=headers, params={"limit": 20})
    assert response.status_code == 200, response.text
    for client in response.json()["items"]:
        devices = api.get(f"/api/v1/clients/{client['id']}/devices", headers=headers)
        if devices.status_code == 200 and devices.json()["total"] == 0:
            return client
    raise AssertionError("every listed client already has devices")


def signed(registered: dict[str, Any], body: bytes, *, at: int | None = None, **extra: str) -> dict[str, str]:
    """Headers of a webhook post as a hub sends it: its token, and the body signed with its key at ``at``."""
    timestamp = str(int(time.time()) if at is None else at)
    return {"X-Device-Token": registered["token"], "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(registered["signing_key"], timestamp, body), **extra}


def post_events(api: TestClient, registered: dict[str, Any], payload: Any, **extra: str) -> Any:
    """``POST /api/v1/sensors/events`` signed as the registered hub would."""
    body = json.dumps(payload).encode()
    return api.post("/api/v1/sensors/events", content=body, headers=signed(registered, body, **extra))


@pytest.fixture
def supervisor(headers_for: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """Headers of provider 1's demo supervisor."""
    return headers_for(PROVIDER_1_SUPERVISOR)


@pytest.fixture
def register(api: TestClient, supervisor: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Register a device to provider 1's first client; returns the response body (device and token)."""

    def make(rooms: dict[str, Any] | None = None, kind: str = "zigbee2mqtt", client_id: int | None = None) -> dict[str, Any]:
        target = client_id if client_id is not None else first_client(api, supervisor)["id"]
        body = {"name": f"hub-{uuid.uuid4().hex[:8]}", "kind": kind, "rooms": rooms or {}}
        response = api.post(f"/api/v1/clients/{target}/devices", json=body, headers=supervisor)
        assert response.status_code == 201, response.text
        return response.json()

    return make
