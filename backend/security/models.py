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


API_SESSION = "api"
PAGE_SESSION = "page"


class DeviceSession(SQLModel, table=True):
    """A signed-in device or browser: its secret (hashed) and whether it was ended.

    ``kind`` says which door it was opened through: ``api`` (a phone or tablet: access tokens carry
    the session id ``sid``, and the secret is the refresh token) or ``page`` (a commissioner page
    session: the secret is the session cookie, never an API credential). Every request checks its
    session, so ending one refuses its unexpired access tokens and its cookie at once.
    """

    __tablename__ = "device_session"

    id: str = Field(primary_key=True, max_length=40)
    user_id: int = Field(foreign_key="user.id", index=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    device: str = Field(default="", max_length=120)
    kind: str = Field(default=API_SESSION, max_length=16, sa_column_kwargs={"server_default": API_SESSION})
    refresh_hash: str = Field(max_length=128, index=True)
    previous_refresh_hash: str = Field(default="", max_length=128, index=True)
    created_at: datetime = utc_field(default_now=True)
    last_used_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True, index=True)
    revoked_by: int | None = Field(default=None, foreign_key="user.id")
