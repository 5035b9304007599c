"""Request shapes of the operations area."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypedDict

import msgspec


class ContactRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Where alerts of one escalation level go."""

    level: Annotated[int, msgspec.Meta(ge=1, le=2)]
    channel: Literal["email", "webhook"]
    address: Annotated[str, msgspec.Meta(min_length=3, max_length=500, pattern=r"^(https?://\S+|[^@\s]+@[^@\s]+)$")]


# An email address with a domain, or an https URL: a family's webhook carries personal news, so never plain http.
FAMILY_ADDRESS = r"^(https://[^\s/@]+\S*|[^@\s]+@[^@\s]+\.[^@\s]+)$"


class FamilyContactRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A client's family contact and whether they consented to hear about missed visits."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]  # not only spaces
    channel: Literal["email", "webhook"]
    address: Annotated[str, msgspec.Meta(min_length=3, max_length=500, pattern=FAMILY_ADDRESS)]
    notify_missed_visits: bool = False


class OnCallContactOut(TypedDict):
    """An escalation contact of the provider."""

    id: int
    level: int
    channel: str
    address: str
    active: bool


class FamilyContactOut(TypedDict):
    """A client's family contact and their consent to be told of missed visits."""

    id: int
    client_id: int
    name: str
    channel: str
    address: str
    notify_missed_visits: bool
    created_at: datetime


class NotificationOut(TypedDict):
    """One message sent (or being sent) about an alert."""

    id: int
    alert_id: int | None
    level: int
    audience: str
    family_contact_id: int | None
    channel: str
    address: str
    state: str
    attempts: int
    error: str | None
    created_at: datetime
    sent_at: datetime | None


class AuditEntryOut(TypedDict):
    """One line of the audit log."""

    id: int
    at: datetime
    actor_id: int | None
    action: str
    entity: str
    entity_id: str | None
    detail: dict[str, Any]
