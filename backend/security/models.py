"""Tables of sign-in security: failed-attempt records (lockout) and device sessions (refresh and revocation)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.database.columns import utc_field


class SignInAttempt(SQLModel, table=True):
    """One sign-in attempt, kept in the database so lockout holds across API processes."""

    __tablename__ = "signin_attempt"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=120, index=True)
    ip: str = Field(default="", max_length=64, index=True)
    at: datetime = utc_field(default_now=True, index=True)
    succeeded: bool = False


class DeviceSession(SQLModel, table=True):
    """A signed-in device: its refresh token (hashed) and whether a supervisor revoked it.

    Access tokens carry the session id (``sid``), so revoking a lost phone's
    session also refuses its unexpired access tokens.
    """

    __tablename__ = "device_session"

    id: str = Field(primary_key=True, max_length=40)
    user_id: int = Field(foreign_key="user.id", index=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    device: str = Field(default="", max_length=120)
    refresh_hash: str = Field(max_length=128, index=True)
    previous_refresh_hash: str = Field(default="", max_length=128, index=True)
    created_at: datetime = utc_field(default_now=True)
    last_used_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True, index=True)
    revoked_by: int | None = Field(default=None, foreign_key="user.id")
