"""Raising and handling alerts. Raising is idempotent: one open alert per condition."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
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
    alerts = AlertRepository(session, TenantScope.single(provider_id))
    existing = await alerts.first(Alert.dedupe_key == dedupe_key)
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
        winner = await alerts.first(Alert.dedupe_key == dedupe_key)
        assert winner is not None
        return winner, False
    return alert, True


async def unresolved_with_prefix(session: AsyncSession, provider_id: int, key_prefix: str) -> list[Alert]:
    """Alerts of a provider not yet resolved whose dedupe key starts with ``key_prefix`` (one condition's episodes)."""
    return list(await AlertRepository(session, TenantScope.single(provider_id)).list(
        Alert.state != AlertState.RESOLVED, Alert.dedupe_key.startswith(key_prefix, autoescape=True),  # type: ignore[attr-defined]
        order_by=Alert.id))


async def open_of_clients(session: AsyncSession, scope: TenantScope, client_ids: Collection[int],
                          kinds: Collection[AlertKind]) -> list[Alert]:
    """Alerts of these kinds about these clients that nobody has acknowledged yet, oldest first."""
    if not client_ids:
        return []
    return list(await AlertRepository(session, scope).list(
        Alert.client_id.in_(client_ids), Alert.kind.in_(kinds), Alert.state == AlertState.OPEN,  # type: ignore[union-attr,attr-defined]
        order_by=Alert.id))


async def counts_by_client(session: AsyncSession, scope: TenantScope, client_ids: Collection[int],
                           kinds: Collection[AlertKind], start: datetime, end: datetime) -> dict[int, int]:
    """How many alerts of these kinds each of these clients had between ``start`` and ``end``."""
    if not client_ids:
        return {}
    return await AlertRepository(session, scope).counts_by_client(client_ids, kinds, start, end)


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
