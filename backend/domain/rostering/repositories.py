"""Tenant-scoped access to roster jobs."""

from __future__ import annotations

from backend.database.tenancy import TenantRepository
from backend.domain.rostering.models import RosterJob


class RosterJobRepository(TenantRepository[RosterJob]):
    """Roster jobs of the caller's providers."""

    model = RosterJob
