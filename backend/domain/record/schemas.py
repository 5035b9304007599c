"""The person's record API shapes (DESIGN.md 4b), its members and consents, and invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from backend.domain.visits.summaries import SharedNote, VisitSummary
from shared.enums import RecordCategory, Relationship

Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ClientOut(msgspec.Struct, frozen=True):
    """Whose record it is."""

    id: int
    name: str


class ReadingOut(msgspec.Struct, frozen=True, kw_only=True):
    """One of the person's own readings."""

    sign: str
    value: float
    unit: str
    at: datetime


class RecordOut(msgspec.Struct, frozen=True, kw_only=True):
    """The record as the caller may see it: a section without consent is an empty list."""

    client: ClientOut
    visits: list[VisitSummary]
    readings: list[ReadingOut]
    notes: list[SharedNote]
    can_see: list[RecordCategory]


class MemberOut(msgspec.Struct, frozen=True, kw_only=True):
    """Someone who may open the record, and what they may see."""

    id: int
    name: str
    relationship: Relationship
    attorney: bool
    can_see: list[RecordCategory]
    added_at: datetime


class ConsentsIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What one person may see from now on; a category left out stays as it is."""

    visits: bool | None = None
    readings: bool | None = None
    notes: bool | None = None


class InvitationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Invite someone by email, saying who they are and what they may see from the start."""

    email: Email
    name: Name
    relationship: Relationship
    attorney: bool = False
    can_see: list[RecordCategory] = msgspec.field(default_factory=list)


class InvitationOut(msgspec.Struct, frozen=True, kw_only=True):
    """A sent invitation: the one-time link (also emailed when a mail relay is configured) and its expiry."""

    id: int
    email: str
    link: str
    expires_at: datetime
    emailed: bool


class AcceptIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Accept an invitation: the link's token, and the username and password chosen."""

    token: Annotated[str, msgspec.Meta(min_length=10, max_length=100)]
    username: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9._-]{2,59}$")]
    password: Annotated[str, msgspec.Meta(max_length=200)]


class AcceptedOut(msgspec.Struct, frozen=True):
    """The account made from an invitation."""

    username: str
    client_id: int


class PendingInvitationOut(msgspec.Struct, frozen=True, kw_only=True):
    """An invitation nobody has accepted yet: who it is for, what they will see, and until when its link works."""

    id: int
    email: str
    name: str
    relationship: Relationship
    attorney: bool
    can_see: list[RecordCategory]
    invited_at: datetime
    expires_at: datetime
