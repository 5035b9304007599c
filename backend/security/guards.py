"""Role guards: small coroutines Litestar awaits before a handler runs (a plain function would be sent to a
worker thread on every request)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from shared.enums import Role

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def requires_roles(*roles: Role) -> Guard:
    """A guard admitting only callers with one of ``roles``."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(str(r) for r in allowed))

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return  # Litestar's own answer, naming the allowed methods: no data, no role needed (and no token read)
        user = connection.scope.get("user")
        if user is None:
            raise NotAuthorizedException("an access token is required (Authorization: Bearer <token>)")
        if user.role not in allowed:
            raise PermissionDeniedException(f"this action needs one of the roles: {names}")

    guard.__name__ = f"requires_{'_or_'.join(sorted(str(r) for r in allowed))}"
    return guard


requires_carer = requires_roles(Role.CARER)
requires_supervisor = requires_roles(Role.SUPERVISOR, Role.PROVIDER_ADMIN)
requires_provider_admin = requires_roles(Role.PROVIDER_ADMIN)
requires_provider_staff = requires_roles(Role.CARER, Role.SUPERVISOR, Role.PROVIDER_ADMIN)
requires_finance_reader = requires_roles(Role.COMMISSIONER, Role.PROVIDER_ADMIN)
requires_clinician = requires_roles(Role.CLINICIAN)
requires_commissioner = requires_roles(Role.COMMISSIONER)
# Dead letters: a provider admin sees their devices' (and their gateways' strangers'), the operator those of nobody.
requires_dead_letter_reader = requires_roles(Role.PROVIDER_ADMIN, Role.OPERATOR)
requires_record_member = requires_roles(Role.CLIENT, Role.INVITEE)
