"""Sign-in (OAuth2 password flow) and who-am-I."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.accounts import urls
from backend.domain.accounts.schemas import MeResponse, TokenRequest, TokenResponse
from backend.domain.accounts.services import authenticate
from backend.security.principal import Principal
from backend.security.tokens import issue_token


class AuthController(Controller):
    """Issue access tokens and describe the caller."""

    tags = ["accounts"]

    @post(urls.TOKEN, status_code=200, exclude_from_auth=True, summary="Sign in (OAuth2 password flow)")
    async def token(
        self,
        state: State,
        db_session: AsyncSession,
        data: Annotated[TokenRequest, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> TokenResponse:
        """Exchange a username and password for a short-lived bearer token."""
        principal = await authenticate(db_session, data.username, data.password)
        if principal is None:
            raise NotAuthorizedException("invalid username or password")
        ttl = timedelta(minutes=state.settings.access_token_minutes)
        token = issue_token(state.auth, principal, ttl)
        return TokenResponse(access_token=token, token_type="bearer", expires_in=int(ttl.total_seconds()))

    @get(urls.ME, summary="The signed-in caller")
    async def me(self, request: Request[Principal, Any, Any]) -> MeResponse:
        """Who the token belongs to."""
        p = request.user
        return MeResponse(p.user_id, p.username, str(p.role), p.provider_id, p.authority_id, p.carer_id)
