"""Request shapes of the operations area."""

from __future__ import annotations

from typing import Annotated, Literal

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
