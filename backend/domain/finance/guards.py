"""The commissioner pages' own session guard: a revocable page session in an HttpOnly cookie, plus signed CSRF.

Bearer auth skips ``/commissioner`` paths, so these pages check the cookie themselves. The cookie
is ``<session id>.<secret>`` of a page session (``backend.security.sessions``), checked in the
database on every request with the account behind it, so signing out, a revoked session or a
disabled account ends it at once; it is not a JWT and opens nothing on the API.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.accounts.services import page_principal
from backend.security.principal import Principal
from shared.enums import Role
from shared.timekeeping import utc_now

SESSION_COOKIE = "domicare_session"
CSRF_COOKIE = "domicare_csrf"
WEB_ROLES = frozenset({Role.COMMISSIONER, Role.PROVIDER_ADMIN})
SESSION_MINUTES = 120
PAGE_DEVICE = "commissioner pages"


class SignInRequired(NotAuthorizedException):
    """No valid page session; the pages answer with a redirect to the sign-in form."""


async def web_principal(connection: ASGIConnection[Any, Any, Any, Any], db_session: AsyncSession) -> Principal:
    """The signed-in page user from the session cookie, or :class:`SignInRequired`."""
    cookie = connection.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise SignInRequired("sign in to continue")
    principal = await page_principal(db_session, cookie, utc_now())
    if principal is None:
        raise SignInRequired("your session has ended; sign in again")
    if principal.role not in WEB_ROLES:
        raise PermissionDeniedException("these pages are for commissioners and provider admins")
    return principal
