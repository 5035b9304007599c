"""Tenant-scoped access to device sessions."""

from __future__ import annotations

from backend.database.tenancy import TenantRepository
from backend.security.models import DeviceSession


class DeviceSessionRepository(TenantRepository[DeviceSession]):
    """Device sessions of the caller's providers' staff."""

    model = DeviceSession
