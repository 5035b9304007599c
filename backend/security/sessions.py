"""Device sessions: refresh tokens (rotated on use) and revocation of a lost phone's session.

An access token carries its session id (``sid``). Each API process keeps the set
of recently revoked session ids, re-read from the database at most every few
seconds, so checking a request costs a set lookup; only sessions revoked within
the access-token lifetime matter, since older access tokens have expired anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.security.models import DeviceSession
from backend.security.repositories import SessionRevocations
from shared.timekeeping import utc_now

REFRESH_EVERY_SECONDS = 5.0


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def split_refresh_token(token: str) -> tuple[str, str] | None:
    """``(session id, secret)`` of a refresh token ``"<sid>.<secret>"``, or ``None`` if malformed."""
    sid, _, secret = token.partition(".")
    if not sid or not secret or len(sid) > 40:
        return None
    return sid, secret


def open_session(session: AsyncSession, *, user_id: int, provider_id: int | None, device: str, lifetime: timedelta,
                 now: datetime) -> tuple[DeviceSession, str]:
    """A new device session and its refresh token (shown once, stored hashed)."""
    secret = new_refresh_secret()
    row = DeviceSession(id=uuid.uuid4().hex, user_id=user_id, provider_id=provider_id, device=device[:120],
                        refresh_hash=_digest(secret), created_at=now, last_used_at=now, expires_at=now + lifetime)
    session.add(row)
    return row, f"{row.id}.{secret}"


class RefreshRefused(Exception):
    """The refresh token is unknown, expired, revoked or was already used."""


async def rotate(session: AsyncSession, token: str, now: datetime) -> tuple[DeviceSession, str]:
    """Exchange a refresh token for a new one; presenting an already-rotated token revokes the session (theft)."""
    parts = split_refresh_token(token)
    if parts is None:
        raise RefreshRefused("malformed refresh token")
    sid, secret = parts
    row = await session.get(DeviceSession, sid, with_for_update=session.bind.dialect.name != "sqlite")  # type: ignore[union-attr]
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise RefreshRefused("this session has ended; sign in again")
    digest = _digest(secret)
    if secrets.compare_digest(digest, row.previous_refresh_hash or ""):
        row.revoked_at = now
        raise RefreshRefused("this refresh token was already used; the session is closed, sign in again")
    if not secrets.compare_digest(digest, row.refresh_hash):
        raise RefreshRefused("this session has ended; sign in again")
    fresh = new_refresh_secret()
    row.previous_refresh_hash, row.refresh_hash, row.last_used_at = row.refresh_hash, _digest(fresh), now
    return row, f"{row.id}.{fresh}"


class RevocationList:
    """Recently revoked session ids, shared by every request of one process, refreshed from the database."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self.revoked: frozenset[str] = frozenset()
        self.loaded_at = -1e9
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """Reload on the next check (after this process revoked something)."""
        self.loaded_at = -1e9

    async def is_revoked(self, sid: str, sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
        if time.monotonic() - self.loaded_at > REFRESH_EVERY_SECONDS:
            async with self._lock:
                if time.monotonic() - self.loaded_at > REFRESH_EVERY_SECONDS:
                    async with sessionmaker() as session:
                        self.revoked = await SessionRevocations(session).revoked_since(utc_now() - self.window)
                    self.loaded_at = time.monotonic()
        return sid in self.revoked


async def revoke(session: AsyncSession, sid: str, by_user: int | None, now: datetime) -> bool:
    """End a session; ``False`` if it was already ended."""
    return await SessionRevocations(session).revoke(sid, by_user, now)


class DeviceSessionOut(TypedDict):
    """A signed-in device as a supervisor sees it."""

    id: str
    user_id: int
    device: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def session_summary(row: DeviceSession) -> DeviceSessionOut:
    return {"id": row.id, "user_id": row.user_id, "device": row.device, "created_at": row.created_at,
            "last_used_at": row.last_used_at, "expires_at": row.expires_at, "revoked_at": row.revoked_at}
