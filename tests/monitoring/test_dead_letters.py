"""Who sees a dead letter: the provider whose device or gateway sent it, else the platform operator (real Mosquitto)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from sensors.adapters.zigbee2mqtt import Layout
from tests.monitoring.conftest import PROVIDER_1_ADMIN, PROVIDER_2_ADMIN
from tests.monitoring.mqtt_helpers import Home, started

pytestmark = pytest.mark.mqtt

OPERATOR = "operator.demo"


def _topics(api: TestClient, headers: dict[str, str], prefix: str) -> list[str]:
    """The topics under ``prefix`` of the dead letters the caller sees (a reason starts with its topic)."""
    response = api.get("/api/v1/dead-letters", headers=headers, params={"source": "zigbee2mqtt", "limit": 200})
    assert response.status_code == 200, response.text
    return sorted(item["reason"].split(": ")[0] for item in response.json()["items"]
                  if item["reason"].startswith(f"{prefix}/"))


def test_unregistered_devices_are_the_operators_and_a_gateways_strangers_its_providers(
        api: TestClient, register: Callable[..., dict[str, Any]], headers_for: Callable[[str], dict[str, str]],
        seeded_db_url: str, mqtt_broker: tuple[str, int]) -> None:
    shared, per_gateway = (f"z2m-{uuid.uuid4().hex[:8]}" for _ in range(2))
    gateway = register({f"pir-{uuid.uuid4().hex[:6]}": "kitchen"})["device"]  # provider 1's

    async def scenario() -> None:
        for prefix, layout, topics in (
                (shared, Layout.SHARED, ["stranger_pir"]),
                (per_gateway, Layout.PER_GATEWAY, [f"{gateway['name']}/stranger_pir", "unknown-gateway/pir"])):
            home = Home(seeded_db_url, mqtt_broker, prefix, layout)
            await started(home.service)
            try:
                for topic in topics:
                    await home.publish(topic, '{"occupancy": true}')
            finally:
                await home.close()

    asyncio.run(scenario())
    operator, admin = headers_for(OPERATOR), headers_for(PROVIDER_1_ADMIN)
    # Registered to no home and under no known gateway: nobody's but the platform operator's.
    assert _topics(api, operator, shared) == [f"{shared}/stranger_pir"]
    assert _topics(api, operator, per_gateway) == [f"{per_gateway}/unknown-gateway/pir"]
    assert _topics(api, admin, shared) == [] and _topics(api, headers_for(PROVIDER_2_ADMIN), per_gateway) == []
    # A stranger paired to provider 1's gateway is provider 1's to see (the base topic names the gateway).
    assert _topics(api, admin, per_gateway) == [f"{per_gateway}/{gateway['name']}/stranger_pir"]
    letters = api.get("/api/v1/dead-letters", headers=operator, params={"limit": 200}).json()
    assert letters["total"] >= 2 and all(item["provider_id"] is None for item in letters["items"])
    assert "not registered" in letters["items"][0]["reason"]

    # The operator is a platform role: no provider's clients, devices or board.
    for path in ("/api/v1/clients", "/api/v1/devices", f"/api/v1/devices/{gateway['id']}"):
        assert api.get(path, headers=operator).status_code == 403, path
    assert api.get("/api/v1/dead-letters", headers=headers_for("supervisor.demo")).status_code == 403
