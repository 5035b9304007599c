"""An in-memory stand-in for the sync endpoint, with a network that drops at random.

Only for unit tests of the outbox and sync worker: it dedupes by idempotency key like the
real server, and can lose a request before it arrives, lose the answer after applying it,
answer 503, or crash the "app" (raise ``SimulatedCrash``) right after the server applied.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import httpx


class SimulatedCrash(BaseException):
    """The app process dies here (not an Exception, so no code path can swallow it)."""


class FakeServer:
    def __init__(self, *, seed: int = 0, drop_before: float = 0.0, drop_after: float = 0.0,
                 unavailable: float = 0.0, crash_after: float = 0.0, token_ttl: int = 900) -> None:
        self.rng = random.Random(seed)
        self.drop_before, self.drop_after = drop_before, drop_after
        self.unavailable, self.crash_after = unavailable, crash_after
        self.token_ttl = token_ttl
        self.applied: dict[str, dict[str, Any]] = {}  # key -> first result
        self.writes: Counter[str] = Counter()  # key -> times written (must stay 1)
        self.order: list[str] = []
        self.requests: Counter[str] = Counter()
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self.reject_kinds: set[str] = set()
        self.malformed_keys: set[str] = set()  # a batch containing one of these gets a 400

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests[path] += 1
        if path == "/api/v1/auth/token":
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            if form.get("password") != "pw":
                return _problem(401, "invalid username or password")
            self.tokens_issued += 1
            token = f"t{self.tokens_issued}"
            self.valid_tokens.add(token)
            return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl})
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            return _problem(401, "token expired")
        if path == "/api/v1/me":
            return httpx.Response(200, json={"user_id": 1, "username": "carer", "role": "carer", "provider_id": 1,
                                             "authority_id": None, "carer_id": 7})
        if path == "/api/v1/sync":
            return self._sync(request)
        return _problem(404, "not found")

    def _sync(self, request: httpx.Request) -> httpx.Response:
        roll = self.rng.random()
        if roll < self.drop_before:
            raise httpx.ConnectError("network dropped before the server", request=request)
        if roll < self.drop_before + self.unavailable:
            return _problem(503, "down for a moment")
        actions = json.loads(request.content)["actions"]
        if any(a["idempotency_key"] in self.malformed_keys for a in actions):
            return _problem(400, "invalid actions[0].payload")
        results = []
        for action in actions:
            key = action["idempotency_key"]
            if key in self.applied:
                results.append({"idempotency_key": key, "status": "duplicate", "result": self.applied[key]["result"],
                                "problem": None})
                continue
            if action["kind"] in self.reject_kinds:
                results.append({"idempotency_key": key, "status": "rejected", "result": None,
                                "problem": {"type": "about:blank", "title": "Conflict", "status": 409,
                                            "detail": f"{action['kind']} refused"}})
                continue
            result = {"event_id": len(self.applied) + 1, "verified": True, "distance_m": 3.0, "reason": None,
                      "visit": {"id": action["visit_id"], "status": "in_progress"}}
            self.applied[key] = {"action": action, "result": result}
            self.writes[key] += 1
            self.order.append(key)
            results.append({"idempotency_key": key, "status": "applied", "result": result, "problem": None})
        after = self.rng.random()
        if after < self.crash_after:
            raise SimulatedCrash()
        if after < self.crash_after + self.drop_after:
            raise httpx.ReadError("network dropped on the way back", request=request)
        return httpx.Response(200, json={"results": results})


def _problem(status: int, detail: str) -> httpx.Response:
    return httpx.Response(status, json={"type": "about:blank", "title": "Error", "status": status, "detail": detail},
                          headers={"content-type": "application/problem+json"})
