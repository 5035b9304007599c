"""Sign-in (OAuth2 password flow) with lockout, refresh tokens, sign-out, password change and who-am-I."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotAuthorizedException
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.accounts import urls
from backend.domain.accounts.models import User
from backend.domain.accounts.schemas import MeResponse, PasswordChange, RefreshRequest, TokenRequest, TokenResponse
from backend.domain.accounts.services import principal_for, sign_in
from backend.domain.audit.services import record
from backend.security import sessions
from backend.security.passwords import hash_password, password_problems, verify_password
from backend.security.principal import Principal
from backend.security.tokens import issue_token
from shared.timekeeping import utc_now


def _token_response(state: State, principal: Principal, session_id: str, refresh_token: str) -> TokenResponse:
    ttl = timedelta(minutes=state.settings.access_token_minutes)
    token = issue_token(state.auth, principal, ttl, session_id=session_id)
    return TokenResponse(access_token=token, token_type="bearer", expires_in=int(ttl.total_seconds()),
                         refresh_token=refresh_token)


class AuthController(Controller):
    """Issue and refresh access tokens, end sessions, change passwords, describe the caller."""

    tags = ["accounts"]

    @post(urls.TOKEN, status_code=200, exclude_from_auth=True, summary="Sign in (OAuth2 password flow)",
          description="After repeated failures the username is locked for a while (429 with Retry-After), "
                      "whether or not it exists.")
    async def token(
        self,
        request: Request[Any, Any, State],
        state: State,
        db_session: AsyncSession,
        data: Annotated[TokenRequest, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> TokenResponse:
        """Exchange a username and password for a short-lived bearer token and a refresh token."""
        now = utc_now()
        ip = request.client.host if request.client else ""
        principal = await sign_in(db_session, state.settings, data.username, data.password, ip, now)
        row, refresh_token = sessions.open_session(
            db_session, user_id=principal.user_id, provider_id=principal.provider_id, device=data.device,
            lifetime=timedelta(days=state.settings.refresh_token_days), now=now)
        return _token_response(state, principal, row.id, refresh_token)

    @post(urls.REFRESH, status_code=200, exclude_from_auth=True, summary="Exchange a refresh token for new tokens",
          description="The refresh token is rotated: use the new one next time. Presenting a used one ends the session.")
    async def refresh(self, state: State, db_session: AsyncSession, data: RefreshRequest) -> TokenResponse:
        """New access and refresh tokens for a live device session."""
        now = utc_now()
        try:
            row, refresh_token = await sessions.rotate(db_session, data.refresh_token, now)
        except sessions.RefreshRefused as exc:
            await db_session.commit()  # keep a theft-triggered revocation
            raise NotAuthorizedException(str(exc)) from exc
        user = await db_session.get(User, row.user_id)
        if user is None or not user.is_active:
            raise NotAuthorizedException("this account is disabled")
        return _token_response(state, await principal_for(db_session, user), row.id, refresh_token)

    @post(urls.SIGN_OUT, status_code=204, summary="End this device's session")
    async def sign_out(self, db_session: AsyncSession, request: Request[Principal, Any, Any]) -> None:
        """The refresh token stops working and the access token is refused at once, everywhere."""
        if request.user.session_id:
            await sessions.revoke(db_session, request.user.session_id, request.user.user_id, utc_now())

    @post(urls.PASSWORD, status_code=204, summary="Change my password")
    async def change_password(self, db_session: AsyncSession, request: Request[Principal, Any, Any],
                              data: PasswordChange) -> None:
        """Needs the current password; the new one must meet the password policy. Every other session ends."""
        user = await db_session.get(User, request.user.user_id)
        if user is None or not verify_password(user.password_hash, data.current_password):
            raise ClientException("the current password is not right", status_code=400)
        problems = password_problems(data.new_password, user.username)
        if problems:
            raise ClientException("the new password is not strong enough: " + "; ".join(problems), status_code=400,
                                  extra={"problems": problems})
        user.password_hash = hash_password(data.new_password)
        await sessions.revoke_others(db_session, user.id, request.user.session_id, utc_now())  # type: ignore[arg-type]
        record(db_session, request.user, "user.password_change", "user", user.id, provider_id=user.provider_id)

    @get(urls.ME, summary="The signed-in caller")
    async def me(self, request: Request[Principal, Any, Any]) -> MeResponse:
        """Who the token belongs to."""
        p = request.user
        return MeResponse(p.user_id, p.username, str(p.role), p.provider_id, p.authority_id, p.carer_id)
