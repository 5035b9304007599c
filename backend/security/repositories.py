"""Statements on the sign-in security tables, which belong to no provider: attempts and session revocations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.security.models import DeviceSession, SignInAttempt


class SignInAttemptRepository:
    """Sign-in attempts, counted per account name and per address."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def last_success(self, username_key: str) -> datetime | None:
        """When this account name last signed in successfully."""
        statement = select(func.max(SignInAttempt.at)).where(
            SignInAttempt.username == username_key, SignInAttempt.succeeded == True  # noqa: E712
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def failures_since(self, username_key: str, since: datetime) -> tuple[int, datetime | None]:
        """How many failed attempts this account name had after ``since``, and when the first was."""
        statement = select(func.count(), func.min(SignInAttempt.at)).where(
            SignInAttempt.username == username_key, SignInAttempt.succeeded == False,  # noqa: E712
            SignInAttempt.at > since,
        )
        count, first = (await self.session.execute(statement)).one()
        return int(count), first

    async def from_address_since(self, ip: str, since: datetime) -> int:
        """How many attempts came from this address after ``since``."""
        statement = select(func.count()).where(SignInAttempt.ip == ip, SignInAttempt.at > since)
        return int((await self.session.execute(statement)).scalar_one())

    def add(self, attempt: SignInAttempt) -> None:
        """Add an attempt to the caller's transaction."""
        self.session.add(attempt)

    async def delete_before(self, before: datetime) -> int:
        """Forget attempts made before ``before``; returns how many."""
        statement = delete(SignInAttempt).where(SignInAttempt.at < before)  # type: ignore[arg-type]
        result = await self.session.execute(statement.execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]


class SessionRevocations:
    """Ending sessions (every provider's: a user's sessions are ended wherever they are)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def revoke(self, sid: str, by_user: int | None, now: datetime) -> bool:
        """End a session; ``False`` if it was already ended."""
        statement = (
            update(DeviceSession).where(DeviceSession.id == sid, DeviceSession.revoked_at.is_(None))  # type: ignore[arg-type,union-attr]
            .values(revoked_at=now, revoked_by=by_user)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def revoke_all_of_user(self, user_id: int, keep: str | None, now: datetime) -> int:
        """End every live session of a user except ``keep``; returns how many."""
        statement = (
            update(DeviceSession).where(DeviceSession.user_id == user_id, DeviceSession.id != (keep or ""),  # type: ignore[arg-type]
                                        DeviceSession.revoked_at.is_(None))  # type: ignore[union-attr]
            .values(revoked_at=now, revoked_by=user_id)
        )
        return int((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]
