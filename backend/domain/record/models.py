"""Tables of the person's record: who may open it, what each may see, and one-time invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.database.columns import enum_field, json_list, provider_fk, utc_field
from shared.enums import RecordCategory, Relationship


class RecordMember(SQLModel, table=True):
    """A person who may open a client's record: the client themselves, or someone they invited."""

    __tablename__ = "record_member"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    user_id: int = Field(foreign_key="user.id", unique=True)
    name: str = Field(max_length=200)
    relationship: Relationship = enum_field()
    # A lasting power of attorney (health and welfare) holder decides consent for a client who lacks capacity.
    attorney: bool = False
    added_at: datetime = utc_field(default_now=True)
    removed_at: datetime | None = utc_field(nullable=True)


class RecordConsent(SQLModel, table=True):
    """Whether one member may see one category of the record; changed in place, each change audited."""

    __tablename__ = "record_consent"
    __table_args__ = (UniqueConstraint("member_id", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    member_id: int = Field(foreign_key="record_member.id", index=True)
    category: RecordCategory = enum_field()
    granted: bool = False
    changed_at: datetime = utc_field(default_now=True)
    changed_by: int | None = Field(default=None, foreign_key="user.id")


class RecordInvitation(SQLModel, table=True):
    """An invitation by email to open a client's record, accepted once through its link before it expires."""

    __tablename__ = "record_invitation"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    relationship: Relationship = enum_field()
    attorney: bool = False
    categories: list[str] = json_list()  # what the new member may see from the start
    token_hash: str = Field(max_length=64, unique=True)
    invited_by: int = Field(foreign_key="user.id")
    invited_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    accepted_at: datetime | None = utc_field(nullable=True)
    accepted_user_id: int | None = Field(default=None, foreign_key="user.id")
