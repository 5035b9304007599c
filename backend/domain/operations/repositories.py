"""Tenant-scoped access to on-call contacts, family contacts, notifications and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from backend.database.tenancy import TenantRepository
from backend.domain.alerts.models import Alert
from backend.domain.audit.models import AuditLog
from backend.domain.operations.models import FamilyContact, Notification, OnCallContact
from backend.domain.people.models import Client
from backend.domain.visits.models import Visit


class OnCallContactRepository(TenantRepository[OnCallContact]):
    """Escalation contacts of the caller's providers."""

    model = OnCallContact


class FamilyContactRepository(TenantRepository[FamilyContact]):
    """Family contacts of the caller's providers' clients."""

    model = FamilyContact

    async def with_client_name_and_visit(self, contact_id: int, visit_id: int) -> tuple[FamilyContact, str, Visit] | None:
        """A contact with its client's name and one of that client's visits (``None`` when the visit is another
        client's or either is gone)."""
        statement = (
            self.scoped(select(FamilyContact, Client.name, Visit)).join(Client, Client.id == FamilyContact.client_id)
            .join(Visit, Visit.id == visit_id)
            .where(FamilyContact.id == contact_id, Visit.client_id == FamilyContact.client_id)
        )
        row = (await self.session.execute(statement)).first()
        return (row[0], row[1], row[2]) if row else None


class NotificationRepository(TenantRepository[Notification]):
    """Notifications sent for the caller's providers' alerts."""

    model = Notification

    async def due_with_alerts(self, now: datetime, stale_claim_before: datetime, max_attempts: int,
                              limit: int) -> list[tuple[Notification, Alert]]:
        """Notifications to send (pending, failed, or claimed before ``stale_claim_before`` and never marked),
        with their alerts, oldest first."""
        statement = self.scoped(select(Notification, Alert)).join(Alert, Alert.id == Notification.alert_id).where(
            Notification.attempts < max_attempts,
            or_(Notification.state.in_(("pending", "failed")),  # type: ignore[attr-defined]
                (Notification.state == "sending") & (Notification.claimed_at < stale_claim_before)),  # type: ignore[operator]
        ).order_by(Notification.id).limit(limit)
        return [(notification, alert) for notification, alert in (await self.session.execute(statement)).all()]

    async def claim(self, notification: Notification, now: datetime) -> bool:
        """Take a notification for sending, unless another process changed it since it was read."""
        return await self.update_where(
            {"state": "sending", "claimed_at": now, "attempts": notification.attempts + 1},
            Notification.id == notification.id, Notification.state == notification.state,
            Notification.attempts == notification.attempts,
        ) == 1

    async def mark(self, notification_id: int, **values: Any) -> None:
        """Record what happened to a notification."""
        await self.update_where(values, Notification.id == notification_id)


class AuditLogRepository(TenantRepository[AuditLog]):
    """Audit rows of the caller's providers (read only: there is no way to change them)."""

    model = AuditLog
