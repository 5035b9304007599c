"""A client's telehealth condition profile and thresholds (supervisors read and adjust them)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.exceptions import ClientException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.monitoring import urls
from backend.domain.monitoring.profiles import ProfileError, profile_settings, update_profile
from backend.domain.monitoring.schemas import ProfileIn, ProfileOut
from backend.domain.people.access import client_in_scope
from backend.security.guards import requires_supervisor
from backend.security.principal import Principal


class ProfileController(Controller):
    """Which condition rules triage a client's readings, and with which thresholds."""

    tags = ["monitoring"]
    guards = [requires_supervisor]

    @get(urls.CLIENT_PROFILE, summary="A client's telehealth profile and the thresholds in force")
    async def get_profile(self, db_session: AsyncSession, tenant: TenantScope, client_id: int) -> ProfileOut:
        """The profile (``default`` until someone sets one), the thresholds set and every value in force."""
        client = await client_in_scope(db_session, tenant, client_id)
        return await profile_settings(db_session, client.provider_id, client_id)

    @put(urls.CLIENT_PROFILE, summary="Set a client's telehealth profile and thresholds (audited)")
    async def set_profile(self, request: Request[Principal, Any, Any], db_session: AsyncSession, tenant: TenantScope,
                          client_id: int, data: ProfileIn) -> ProfileOut:
        """Replace the profile and thresholds; every reading from now on is triaged with them.

        Thresholds left out keep the rule's usual value; contradictory ones (a target range
        upside down, glucose limits out of order) are a 400 naming them.
        """
        client = await client_in_scope(db_session, tenant, client_id)
        try:
            return await update_profile(db_session, request.user, client.provider_id, client_id, data)
        except ProfileError as exc:
            raise ClientException(str(exc), status_code=400, extra={"title": "Invalid thresholds"}) from None
