"""Tables of operations: who to escalate to, which families to tell, and every notification sent (an outbox)."""

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


class FamilyContact(SQLModel, table=True):
    """A client's relative or friend, and whether they agreed to hear when a visit was missed.

    ``notify_missed_visits`` is the family's recorded consent; it defaults to
    off, so adding a contact never starts messages by itself.
    """

    __tablename__ = "family_contact"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    name: str = Field(max_length=200)
    channel: str = Field(max_length=20)
    address: str = Field(max_length=500)
    notify_missed_visits: bool = False
    created_at: datetime = utc_field(default_now=True)


class Notification(SQLModel, table=True):
    """One message about one alert at one escalation level to one address.

    The unique key makes sending at-most-once across processes: a notification
    is claimed by inserting its row, then sent, then marked. Staff notifications
    (``audience`` "staff") follow the escalation levels; a family notification
    (``audience`` "family", level 0) tells a consenting family contact that a
    visit was missed, and keeps the contact it was for until that contact is removed.
    """

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("alert_id", "level", "channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    alert_id: int = Field(foreign_key="alert.id", index=True)
    level: int
    audience: str = Field(default="staff", max_length=20, sa_column_kwargs={"server_default": "staff"})
    # SET NULL: removing a family contact must not be blocked by (or delete) the record of what was sent.
    family_contact_id: int | None = Field(default=None, foreign_key="family_contact.id", ondelete="SET NULL",
                                          nullable=True, index=True)
    channel: str = Field(max_length=20)
    address: str = Field(max_length=500)
    state: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    error: str = Field(default="", max_length=1000)
    created_at: datetime = utc_field(default_now=True)
    claimed_at: datetime | None = utc_field(nullable=True)
    sent_at: datetime | None = utc_field(nullable=True)
