"""OAuth2 password-flow bearer tokens: short-lived JWTs carrying role, tenancy and their session.

Every request's token goes through :func:`authenticate_access_token`, whether the auth middleware
or a route shared with devices reads it: the signature, then the session and the account in the
database (a function the accounts area provides), so an ended session or a disabled account is
refused at once in every process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import AuthenticationResult
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityScheme
from litestar.security.jwt import JWTCookieAuthenticationMiddleware, OAuth2PasswordBearerAuth, Token
from sqlalchemy.ext.asyncio import AsyncSession

from backend.security.principal import Principal
from shared.enums import Role
from shared.timekeeping import utc_now

TOKEN_URL = "/api/v1/auth/token"
REFRESH_URL = "/api/v1/auth/refresh"
# Whole path segments only: ``/schemaX`` or ``/commissionerX`` are API paths like any other and need a token.
# The web pages (the commissioner's, the telehealth hub's, the person's record under ``/me``) check their own
# session cookie; sign-in, refresh and health say ``exclude_from_auth`` themselves.
PUBLIC_PATHS = [r"^/schema(/|$)", r"^/(commissioner|hub|me)(/|$)"]

SessionCheck = Callable[[AsyncSession, int, str, datetime], Awaitable[bool]]
"""Whether user ``user_id``'s API session ``sid`` is live at ``now``: not ended, not expired, the account active."""


def principal_from_token(token: Token, _connection: ASGIConnection[Any, Any, Any, Any] | None = None) -> Principal | None:
    """The caller a token's claims describe (``None`` if they describe nobody); its session is checked apart."""
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
            client_id=extras.get("client_id"),
        )
    except (KeyError, ValueError):
        return None


def session_ended_handler(is_live: SessionCheck) -> Callable[[Token, ASGIConnection[Any, Any, Any, Any]], Awaitable[bool]]:
    """A ``revoked_token_handler``: a token is revoked unless its session and account are live right now."""

    async def ended(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
        sid = token.extras.get("sid")
        if not isinstance(sid, str) or not token.sub.isdigit():
            return True
        async with connection.app.state.autocommit_sessionmaker() as session:  # one read, no transaction around it
            return not await is_live(session, int(token.sub), sid, utc_now())

    return ended


async def authenticate_access_token(encoded: str, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller of a bearer access token: signature and expiry, claims, then session and account; else a 401."""
    auth = connection.app.state.auth
    token = auth.token_cls.decode(encoded_token=encoded, secret=auth.token_secret, algorithm=auth.algorithm)
    principal = principal_from_token(token)
    if principal is None or principal.session_id is None:
        raise NotAuthorizedException("the access token does not describe a signed-in session")
    if await auth.revoked_token_handler(token, connection):
        raise NotAuthorizedException("this session has ended (signed out, revoked or the account changed); sign in again")
    return principal


class AccessTokenMiddleware(JWTCookieAuthenticationMiddleware):
    """Litestar's bearer middleware reading only the ``Authorization`` header, through :func:`authenticate_access_token`.

    No cookie is an API credential: the pages' session cookie is checked by the pages alone.
    """

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        scheme, _, encoded = connection.headers.get(self.auth_header, "").partition(" ")
        if scheme.lower() != "bearer" or not encoded.strip():
            raise NotAuthorizedException("an access token is required (Authorization: Bearer <token>)")
        return AuthenticationResult(user=await authenticate_access_token(encoded.strip(), connection), auth=None)


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


def build_auth(secret_key: str, access_token_minutes: int, session_check: SessionCheck) -> PasswordBearerAuth:
    """The bearer-token auth backend protecting everything but health, docs, the pages and sign-in."""
    return PasswordBearerAuth(
        authentication_middleware_class=AccessTokenMiddleware,
        revoked_token_handler=session_ended_handler(session_check),
        token_secret=secret_key,
        token_url=TOKEN_URL,
        retrieve_user_handler=principal_from_token,
        default_token_expiration=timedelta(minutes=access_token_minutes),
        exclude=PUBLIC_PATHS,
    )


def issue_token(auth: OAuth2PasswordBearerAuth[Principal, Token], principal: Principal, ttl: timedelta,
                session_id: str) -> str:
    """A signed access token for the principal, bound to its API session (``sid``), which every request checks."""
    extras: dict[str, Any] = {
        "username": principal.username,
        "role": str(principal.role),
        "provider_id": principal.provider_id,
        "authority_id": principal.authority_id,
        "carer_id": principal.carer_id,
        "provider_ids": list(principal.provider_ids),
        "sid": session_id,
    }
    if principal.hub_id is not None:
        extras["hub_id"] = principal.hub_id
    if principal.client_id is not None:
        extras["client_id"] = principal.client_id
    return auth.create_token(identifier=str(principal.user_id), token_expiration=ttl, token_extras=extras)
