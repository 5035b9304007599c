"""Tenant-scoped access to on-call contacts, family contacts, notifications and the audit log."""

from __future__ import annotations

from backend.database.tenancy import TenantRepository
from backend.domain.audit.models import AuditLog
from backend.domain.operations.models import FamilyContact, Notification, OnCallContact


class OnCallContactRepository(TenantRepository[OnCallContact]):
    """Escalation contacts of the caller's providers."""

    model = OnCallContact


class FamilyContactRepository(TenantRepository[FamilyContact]):
    """Family contacts of the caller's providers' clients."""

    model = FamilyContact


class NotificationRepository(TenantRepository[Notification]):
    """Notifications sent for the caller's providers' alerts."""

    model = Notification


class AuditLogRepository(TenantRepository[AuditLog]):
    """Audit rows of the caller's providers (read only: there is no way to change them)."""

    model = AuditLog
