"""Request shapes of the operations area."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec


class ContactRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Where alerts of one escalation level go."""

    level: Annotated[int, msgspec.Meta(ge=1, le=2)]
    channel: Literal["email", "webhook"]
    address: Annotated[str, msgspec.Meta(min_length=3, max_length=500, pattern=r"^(https?://\S+|[^@\s]+@[^@\s]+)$")]
