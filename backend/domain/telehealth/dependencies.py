"""The hub a request works in: the signed-in clinician's own."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import PermissionDeniedException

from backend.security.principal import Principal


def provide_hub_id(request: Request[Principal, Any, Any]) -> int:
    """The caller's hub; 403 for an account that is not a clinician of a hub."""
    if request.user.hub_id is None:
        raise PermissionDeniedException("this account does not belong to a telehealth hub")
    return request.user.hub_id
