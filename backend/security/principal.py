"""Who is calling: decoded from the access token, no database round trip."""

from __future__ import annotations

import msgspec

from backend.database.tenancy import TenantScope
from shared.enums import Role


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The authenticated caller of a request."""

    user_id: int
    username: str
    role: Role
    provider_id: int | None
    authority_id: int | None
    carer_id: int | None = None
    provider_ids: tuple[int, ...] = ()
    session_id: str | None = None
    hub_id: int | None = None  # a clinician's telehealth hub: the tenancy of the hub's own rows
    client_id: int | None = None  # whose record a client or an invited person opens (no provider scope)

    @property
    def scope(self) -> TenantScope:
        """The providers this caller may see: their own, or their authority's for commissioners."""
        if self.provider_id is not None:
            return TenantScope.single(self.provider_id)
        return TenantScope(frozenset(self.provider_ids))
