"""The home hub behind a request: the device its token (``X-Device-Token`` or a bearer token) belongs to."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.monitoring.devices import authenticate_device
from backend.domain.monitoring.models import Device

DEVICE_HEADER = "X-Device-Token"


async def provide_hub(request: Request[Any, Any, Any], db_session: AsyncSession) -> Device:
    """The hub a request comes from; 401 without a valid device token."""
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    token = request.headers.get(DEVICE_HEADER) or (bearer.strip() if scheme.lower() == "bearer" else "")
    device = await authenticate_device(db_session, token.strip()) if token.strip() else None
    if device is None:
        raise NotAuthorizedException(f"a valid device token is required (Authorization: Bearer <token> or {DEVICE_HEADER})")
    return device
