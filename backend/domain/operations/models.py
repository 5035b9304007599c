"""Tables of operations: who to escalate to, and every notification sent (an outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.database.columns import provider_fk, utc_field


class OnCallContact(SQLModel, table=True):
    """Where a provider's alerts go at each escalation level (1 supervisor, 2 on-call manager)."""

    __tablename__ = "oncall_contact"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    level: int = Field(ge=1, le=2)
    channel: str = Field(max_length=20)
    address: str = Field(max_length=500)
    active: bool = True


class Notification(SQLModel, table=True):
    """One message about one alert at one escalation level to one address.

    The unique key makes sending at-most-once across processes: a notification
    is claimed by inserting its row, then sent, then marked.
    """

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("alert_id", "level", "channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    alert_id: int = Field(foreign_key="alert.id", index=True)
    level: int
    channel: str = Field(max_length=20)
    address: str = Field(max_length=500)
    state: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    error: str = Field(default="", max_length=1000)
    created_at: datetime = utc_field(default_now=True)
    claimed_at: datetime | None = utc_field(nullable=True)
    sent_at: datetime | None = utc_field(nullable=True)
