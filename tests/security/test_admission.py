"""Admission control: past the in-flight limit a request gets a 503 problem with Retry-After at once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from backend.security.admission import AdmissionLimitMiddleware


class _HeldApp:
    """An ASGI app whose requests stay in flight until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.entered += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _request(app: Any, path: str = "/api/v1/me/visits") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "path": path, "method": "GET", "headers": []}, receive, send)
    return sent


async def test_requests_past_the_limit_are_refused_and_admitted_again_once_one_finishes() -> None:
    inner = _HeldApp()
    app = AdmissionLimitMiddleware(inner, limit=2)
    held = [asyncio.create_task(_request(app)) for _ in range(2)]
    await asyncio.sleep(0.01)
    assert inner.entered == 2

    refused = await _request(app)
    assert refused[0]["status"] == 503
    headers = dict(refused[0]["headers"])
    assert headers[b"retry-after"] == b"1"
    assert headers[b"content-type"].startswith(b"application/problem+json")
    assert json.loads(refused[1]["body"])["status"] == 503
    assert inner.entered == 2, "a refused request never reaches the app"

    health = asyncio.create_task(_request(app, "/health"))  # liveness is never refused
    await asyncio.sleep(0.01)
    assert inner.entered == 3

    inner.release.set()
    assert [r[0]["status"] for r in await asyncio.gather(*held, health)] == [200, 200, 200]
    assert app.in_flight == 0
    assert (await _request(app))[0]["status"] == 200


async def test_zero_means_no_limit() -> None:
    inner = _HeldApp()
    app = AdmissionLimitMiddleware(inner, limit=0)
    held = [asyncio.create_task(_request(app)) for _ in range(50)]
    await asyncio.sleep(0.01)
    assert inner.entered == 50
    inner.release.set()
    assert {r[0]["status"] for r in await asyncio.gather(*held)} == {200}
