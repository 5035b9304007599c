"""Admission control: past a number of requests in flight, answer 503 at once instead of queueing.

Under overload a server that accepts everything lets every request wait for a
database connection until clients time out, so it does less useful work than at
capacity. Refusing the excess quickly keeps the admitted requests fast; the
phone's outbox retries a 503 later (with its idempotency key, so nothing doubles).
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from backend.security.problem_messages import problem_messages

RETRY_AFTER_SECONDS = 1
EXEMPT_PREFIXES = ("/health",)  # a load balancer must still see a busy server as alive


class AdmissionLimitMiddleware:
    """At most ``limit`` HTTP requests at a time in this process; 0 means no limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limit or scope.get("path", "").startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            start, body = problem_messages(503, "Service Unavailable", "the server is busy; retry shortly",
                                           extra_headers=[(b"retry-after", str(RETRY_AFTER_SECONDS).encode())])
            await send(start)
            await send(body)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
