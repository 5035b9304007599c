"""Sign-in rate limiting and lockout, kept in the database so every API process sees the same counts.

An account name with too many recent failures is locked for a while, whether or
not such an account exists, so the answer never reveals which usernames are real.
An address sending too many attempts a minute is slowed down the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from litestar.exceptions import HTTPException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.security.models import SignInAttempt
from backend.security.repositories import SignInAttemptRepository


class TooManyAttempts(HTTPException):
    """429 with a Retry-After header."""

    status_code = 429


def username_key(username: str) -> str:
    """The form attempts are counted under (case and surrounding spaces do not matter)."""
    return username.strip().lower()[:120]


async def check_allowed(session: AsyncSession, settings: Settings, username: str, ip: str, now: datetime) -> None:
    """Raise :class:`TooManyAttempts` when this account name or address must wait."""
    window = timedelta(minutes=settings.signin_lockout_minutes)
    key = username_key(username)
    attempts = SignInAttemptRepository(session)
    last_success = await attempts.last_success(key)
    since = max(now - window, last_success) if last_success else now - window
    failures, first_failure = await attempts.failures_since(key, since)
    if failures >= settings.signin_max_failures:
        assert first_failure is not None
        wait = max(60, int((first_failure + window - now).total_seconds()))
        raise TooManyAttempts(
            f"too many failed sign-in attempts for this username; try again in {(wait + 59) // 60} minutes "
            "or ask your supervisor to reset your password",
            headers={"Retry-After": str(wait)},
        )
    if ip:
        recent = await attempts.from_address_since(ip, now - timedelta(minutes=1))
        if recent >= settings.signin_ip_limit_per_minute:
            raise TooManyAttempts("too many sign-in attempts from this address; try again in a minute",
                                  headers={"Retry-After": "60"})


def record_attempt(session: AsyncSession, username: str, ip: str, succeeded: bool, now: datetime) -> None:
    """Add an attempt to the caller's transaction (which must commit it even when the sign-in is refused)."""
    SignInAttemptRepository(session).add(SignInAttempt(username=username_key(username), ip=ip[:64], at=now,
                                                       succeeded=succeeded))
