"""Web hardening for every response: security headers, CORS closed by default, and a CSRF check for form posts.

CSRF: requests authenticated by a bearer token cannot be forged cross-site, so
only cookie-carrying unsafe requests (the commissioner pages' forms) are checked:
their ``Origin`` (or ``Referer``) must be this server or an allowed CORS origin.
This needs no token in the templates; pages should also set ``SameSite=Lax``
cookies. Deployments wanting Litestar's double-submit token can add
``CSRFConfig`` for their paths on top.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar.config.app import AppConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.config import Settings
from backend.security.admission import AdmissionLimitMiddleware
from backend.security.problem_messages import problem_messages

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "geolocation=(), camera=(), microphone=()",
    "cross-origin-opener-policy": "same-origin",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
PAGE_CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_PREFIX = "/schema"  # the API docs page starts its viewer with an inline script, so it gets no CSP


class WebSecurityMiddleware:
    """Refuses cross-site cookie-authenticated form posts."""

    def __init__(self, app: ASGIApp, allowed_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed_origins = frozenset(o.rstrip("/") for o in allowed_origins)

    def _cross_site(self, scope: Scope) -> bool:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if scope.get("method", "GET") in SAFE_METHODS or "cookie" not in headers:
            return False
        if headers.get("authorization", "").lower().startswith("bearer "):
            return False
        source = headers.get("origin") or headers.get("referer")
        if not source or source == "null":
            return source == "null"
        parts = urlsplit(source)
        origin = f"{parts.scheme}://{parts.netloc}"
        return parts.netloc != headers.get("host", "") and origin not in self.allowed_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._cross_site(scope):
            start, body = problem_messages(403, "Forbidden",
                                           "cross-site form post refused (CSRF protection); post from this site's own pages")
            await send(start)
            await send(body)
            return
        await self.app(scope, receive, send)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook, so error responses raised by middleware get the headers too."""
    if message["type"] != "http.response.start":
        return
    path: str = scope.get("path", "")
    headers = MutableScopeHeaders.from_message(message)
    for name, value in BASE_HEADERS.items():
        headers.setdefault(name, value)
    if not path.startswith(DOCS_PREFIX):
        content_type = headers.get("content-type") or ""
        headers.setdefault("content-security-policy", PAGE_CSP if "html" in content_type else API_CSP)
    if path.startswith("/api/"):
        headers.setdefault("cache-control", "no-store")


def web_security(settings: Settings) -> Any:
    """An ``on_app_init`` hook: admission control and CSRF first in the stack, and CORS only for listed origins."""

    def apply(config: AppConfig) -> AppConfig:
        from litestar.middleware import DefineMiddleware

        config.middleware.insert(0, DefineMiddleware(WebSecurityMiddleware, allowed_origins=settings.cors_origins))
        config.middleware.insert(0, DefineMiddleware(AdmissionLimitMiddleware, limit=settings.max_in_flight))
        config.before_send.append(add_security_headers)
        if settings.cors_origins:
            config.cors_config = CORSConfig(allow_origins=list(settings.cors_origins), allow_credentials=False,
                                            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])
        return config

    return apply
