"""Tenant-scoped access to alerts."""

from __future__ import annotations

from backend.database.tenancy import TenantRepository
from backend.domain.alerts.models import Alert


class AlertRepository(TenantRepository[Alert]):
    """Alerts of the caller's providers."""

    model = Alert
