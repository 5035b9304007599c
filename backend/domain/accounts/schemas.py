"""Request and response shapes of the accounts area."""

from __future__ import annotations

from typing import Annotated

import msgspec


class TokenRequest(msgspec.Struct):
    """OAuth2 password-flow form fields."""

    username: str
    password: str
    grant_type: str = "password"
    scope: str = ""
    device: str = ""


class TokenResponse(msgspec.Struct):
    """An issued bearer token."""

    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str | None = None


class MeResponse(msgspec.Struct):
    """The signed-in caller."""

    user_id: int
    username: str
    role: str
    provider_id: int | None
    authority_id: int | None
    carer_id: int | None


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A refresh token from an earlier sign-in or refresh."""

    refresh_token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    """The current password and the new one."""

    current_password: Annotated[str, msgspec.Meta(max_length=200)]
    new_password: Annotated[str, msgspec.Meta(max_length=200)]
