"""Raising and handling alerts. Raising is idempotent: one open alert per condition."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.alerts.models import Alert
from shared.enums import AlertKind, AlertSeverity, AlertState
from shared.timekeeping import utc_now


async def raise_alert(
    session: AsyncSession,
    *,
    provider_id: int,
    kind: AlertKind,
    severity: AlertSeverity,
    message: str,
    dedupe_key: str,
    client_id: int | None = None,
    visit_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> tuple[Alert, bool]:
    """The alert for ``dedupe_key``, created if new; returns ``(alert, created)``.

    The unique (provider, dedupe key) constraint settles races between processes:
    the loser of a concurrent insert reads the winner's row instead.
    """
    statement = select(Alert).where(Alert.provider_id == provider_id, Alert.dedupe_key == dedupe_key)
    existing = (await session.execute(statement)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    alert = Alert(
        provider_id=provider_id, kind=kind, severity=severity, message=message, dedupe_key=dedupe_key,
        client_id=client_id, visit_id=visit_id, detail=detail or {},
    )
    try:
        async with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        return (await session.execute(statement)).scalar_one(), False
    return alert, True


def acknowledge(alert: Alert, user_id: int) -> None:
    """Mark an open alert as seen by a person."""
    if alert.state == AlertState.OPEN:
        alert.state = AlertState.ACKNOWLEDGED
        alert.acknowledged_by = user_id
        alert.acknowledged_at = utc_now()


def resolve(alert: Alert, user_id: int | None) -> None:
    """Close an alert (``user_id`` None when the system resolved it, e.g. the visit started)."""
    if alert.state != AlertState.RESOLVED:
        alert.state = AlertState.RESOLVED
        alert.resolved_by = user_id
        alert.resolved_at = utc_now()
