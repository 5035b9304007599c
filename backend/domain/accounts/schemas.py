"""Request and response shapes of the accounts area."""

from __future__ import annotations

import msgspec


class TokenRequest(msgspec.Struct):
    """OAuth2 password-flow form fields."""

    username: str
    password: str
    grant_type: str = "password"
    scope: str = ""


class TokenResponse(msgspec.Struct):
    """An issued bearer token."""

    access_token: str
    token_type: str
    expires_in: int


class MeResponse(msgspec.Struct):
    """The signed-in caller."""

    user_id: int
    username: str
    role: str
    provider_id: int | None
    authority_id: int | None
    carer_id: int | None
