"""The commissioner pages' own session guard: a signed HttpOnly cookie holding the access token, plus CSRF.

Bearer auth skips ``/commissioner`` paths, so these pages check the cookie themselves.
The cookie holds the same kind of short-lived JWT the API issues, so servers stay stateless.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.security.jwt import Token

from backend.security.principal import Principal
from backend.security.tokens import principal_from_token
from shared.enums import Role

SESSION_COOKIE = "domicare_session"
CSRF_COOKIE = "domicare_csrf"
WEB_ROLES = frozenset({Role.COMMISSIONER, Role.PROVIDER_ADMIN})
SESSION_MINUTES = 120


class SignInRequired(NotAuthorizedException):
    """No valid page session; the pages answer with a redirect to the sign-in form."""


def web_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The signed-in page user from the session cookie, or :class:`SignInRequired`."""
    encoded = connection.cookies.get(SESSION_COOKIE)
    if not encoded:
        raise SignInRequired("sign in to continue")
    auth = connection.app.state.auth
    try:
        token = Token.decode(encoded, auth.token_secret, auth.algorithm)
    except NotAuthorizedException as exc:
        raise SignInRequired("your session has ended; sign in again") from exc
    principal = principal_from_token(token, connection)
    if principal is None:
        raise SignInRequired("sign in to continue")
    if principal.role not in WEB_ROLES:
        raise PermissionDeniedException("these pages are for commissioners and provider admins")
    return principal


def new_csrf_token() -> str:
    """A random token for the double-submit cookie of the sign-in form."""
    return secrets.token_urlsafe(24)


def session_csrf_token(secret: str, session_cookie: str) -> str:
    """The CSRF token of a signed-in session: bound to the session, unguessable without the key."""
    return hmac.new(secret.encode(), b"csrf:" + session_cookie.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; missing values never match."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
