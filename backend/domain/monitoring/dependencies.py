"""Who is posting: a device by its own token, or a signed-in member of staff by their access token.

Device endpoints are excluded from the JWT middleware and authenticate here, so a
hub needs only the token it was given at registration (``Authorization: Bearer
<device token>`` or ``X-Device-Token``). A staff token goes through the same check as
on every other route (``authenticate_access_token``: signature, session and account).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import NotAuthorizedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.monitoring import tokens
from backend.domain.monitoring.devices import authenticate_device
from backend.domain.monitoring.models import Device
from backend.security.principal import Principal
from backend.security.tokens import DEVICE_TOKEN_HEADER, authenticate_access_token


class Caller(msgspec.Struct, frozen=True):
    """Exactly one of a device or a member of staff."""

    device: Device | None = None
    principal: Principal | None = None


def _bearer(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _device_token(request: Request[Any, Any, Any]) -> str | None:
    explicit = request.headers.get(DEVICE_TOKEN_HEADER)
    if explicit:
        return explicit.strip()
    bearer = _bearer(request)
    return bearer if bearer and bearer.startswith(tokens.PREFIX) else None


async def _device(db_session: AsyncSession, token: str) -> Device:
    device = await authenticate_device(db_session, token)
    if device is None:
        raise NotAuthorizedException("unknown or revoked device token")
    return device


async def provide_device(request: Request[Any, Any, Any], db_session: AsyncSession) -> Device:
    """The device a request comes from; 401 without a valid device token."""
    token = _device_token(request)
    if token is None:
        raise NotAuthorizedException(f"a device token is required (Authorization: Bearer <token> or {DEVICE_TOKEN_HEADER})")
    return await _device(db_session, token)


async def provide_caller(request: Request[Any, Any, Any], db_session: AsyncSession) -> Caller:
    """A device (by device token) or staff (by access token, checked exactly as on every other route)."""
    token = _device_token(request)
    if token is not None:
        return Caller(device=await _device(db_session, token))
    bearer = _bearer(request)
    if bearer is None:
        raise NotAuthorizedException("an access token or a device token is required")
    return Caller(principal=await authenticate_access_token(bearer, request))
