"""Sessions: a phone's (refresh tokens rotated on use) or a commissioner page's (a cookie), and ending them.

An access token carries its session id (``sid``) and a page cookie is ``<sid>.<secret>``. Every
request checks its session and account in the database (``backend.security.authentication``),
so an ended session, a changed password or a disabled account stops access at once in every
process: there is no per-process cache to wait for.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from backend.security.models import API_SESSION, PAGE_SESSION, DeviceSession
from backend.security.repositories import SessionRevocations


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def split_refresh_token(token: str) -> tuple[str, str] | None:
    """``(session id, secret)`` of a refresh token or page cookie ``"<sid>.<secret>"``, or ``None`` if malformed."""
    sid, _, secret = token.partition(".")
    if not sid or not secret or len(sid) > 40:
        return None
    return sid, secret


def open_session(session: AsyncSession, *, user_id: int, provider_id: int | None, device: str, lifetime: timedelta,
                 now: datetime, kind: str = API_SESSION) -> tuple[DeviceSession, str]:
    """A new session and its secret token (a refresh token or a page cookie; shown once, stored hashed)."""
    secret = new_refresh_secret()
    row = DeviceSession(id=uuid.uuid4().hex, user_id=user_id, provider_id=provider_id, device=device[:120], kind=kind,
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
    if row is None or row.kind != API_SESSION or row.revoked_at is not None or row.expires_at <= now:
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


async def page_session(session: AsyncSession, cookie: str, now: datetime) -> DeviceSession | None:
    """The live page session a cookie ``"<sid>.<secret>"`` opens, or ``None`` (unknown, ended, expired, forged)."""
    parts = split_refresh_token(cookie)
    if parts is None:
        return None
    row = await session.get(DeviceSession, parts[0])
    if row is None or row.kind != PAGE_SESSION or row.revoked_at is not None or row.expires_at <= now:
        return None
    return row if secrets.compare_digest(_digest(parts[1]), row.refresh_hash) else None


async def revoke(session: AsyncSession, sid: str, by_user: int | None, now: datetime) -> bool:
    """End a session; ``False`` if it was already ended."""
    return await SessionRevocations(session).revoke(sid, by_user, now)


async def revoke_others(session: AsyncSession, user_id: int, keep: str | None, now: datetime) -> int:
    """End every session of a user but ``keep`` (after a password change); how many were ended."""
    return await SessionRevocations(session).revoke_all_of_user(user_id, keep, now)


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
