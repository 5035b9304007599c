"""OAuth2 password-flow bearer tokens: short-lived JWTs carrying role and tenancy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityScheme
from litestar.security.jwt import OAuth2PasswordBearerAuth, Token

from backend.security.principal import Principal
from backend.security.sessions import RevocationList
from shared.enums import Role

TOKEN_URL = "/api/v1/auth/token"
REFRESH_URL = "/api/v1/auth/refresh"
PUBLIC_PATHS = ["/health", "/schema", TOKEN_URL, REFRESH_URL, "/commissioner", "/static"]


def principal_from_token(token: Token, _connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """Build the caller from the token's claims alone, so API processes stay stateless."""
    extras = token.extras
    try:
        return Principal(
            user_id=int(token.sub),
            username=str(extras["username"]),
            role=Role(extras["role"]),
            provider_id=extras.get("provider_id"),
            authority_id=extras.get("authority_id"),
            carer_id=extras.get("carer_id"),
            provider_ids=tuple(extras.get("provider_ids", ())),
            session_id=extras.get("sid"),
            hub_id=extras.get("hub_id"),
        )
    except (KeyError, ValueError):
        return None


def revocation_checker(access_token_minutes: int) -> Any:
    """A ``revoked_token_handler``: refuses access tokens of device sessions a supervisor revoked."""
    revocations = RevocationList(timedelta(minutes=access_token_minutes + 1))

    async def is_revoked(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
        sid = token.extras.get("sid")
        if not sid:
            return False
        return await revocations.is_revoked(str(sid), connection.app.state.sessionmaker)

    is_revoked.revocations = revocations  # type: ignore[attr-defined]
    return is_revoked


DEVICE_TOKEN_HEADER = "X-Device-Token"
DEVICE_SCHEME = "DeviceToken"
BEARER_SCHEME = "BearerToken"  # Litestar's default name for the bearer scheme


class PasswordBearerAuth(OAuth2PasswordBearerAuth[Principal, Token]):
    """Litestar's password-flow bearer auth, documented as valid OpenAPI 3.1 with the device token beside it.

    Litestar mixes the fields of an ``http`` scheme into its ``oauth2`` one and leaves out the
    flow's required ``scopes``; validators reject that, and generated clients cannot sign in.
    """

    @property
    def openapi_components(self) -> Components:
        return Components(security_schemes={
            BEARER_SCHEME: SecurityScheme(
                type="oauth2",
                description=("Sign in with the OAuth2 password flow (form fields username and password) and send "
                             "the access token as `Authorization: Bearer <token>`. Tokens are short-lived JWTs."),
                flows=OAuthFlows(password=OAuthFlow(token_url=TOKEN_URL, refresh_url=REFRESH_URL, scopes={})),
            ),
            DEVICE_SCHEME: SecurityScheme(
                type="apiKey",
                name=DEVICE_TOKEN_HEADER,
                security_scheme_in="header",
                description=("A hub's or sensor gateway's device token (`dvc_<id>_<secret>`, issued once when the "
                             "device is registered), in this header or as `Authorization: Bearer <token>`."),
            ),
        })


def build_auth(secret_key: str, access_token_minutes: int) -> PasswordBearerAuth:
    """The bearer-token auth backend protecting everything but health, docs and sign-in."""
    return PasswordBearerAuth(
        revoked_token_handler=revocation_checker(access_token_minutes),
        token_secret=secret_key,
        token_url=TOKEN_URL,
        retrieve_user_handler=principal_from_token,
        default_token_expiration=timedelta(minutes=access_token_minutes),
        exclude=PUBLIC_PATHS,
    )


def issue_token(auth: OAuth2PasswordBearerAuth[Principal, Token], principal: Principal, ttl: timedelta,
                session_id: str | None = None) -> str:
    """A signed access token for the principal (bound to a device session when ``session_id`` is given)."""
    extras: dict[str, Any] = {
        "username": principal.username,
        "role": str(principal.role),
        "provider_id": principal.provider_id,
        "authority_id": principal.authority_id,
        "carer_id": principal.carer_id,
        "provider_ids": list(principal.provider_ids),
    }
    if principal.hub_id is not None:
        extras["hub_id"] = principal.hub_id
    if session_id or principal.session_id:
        extras["sid"] = session_id or principal.session_id
    return auth.create_token(identifier=str(principal.user_id), token_expiration=ttl, token_extras=extras)
