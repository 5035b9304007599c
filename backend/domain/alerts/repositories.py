"""Tenant-scoped access to alerts."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from backend.database.tenancy import TenantRepository
from backend.domain.alerts.models import Alert
from backend.domain.visits.models import Visit
from shared.enums import AlertKind, AlertSeverity, AlertState


def open_on_visit(visit_id: Any, kinds: Collection[AlertKind]) -> ColumnElement[bool]:
    """An ``EXISTS`` clause: an unresolved alert of these kinds on the visit ``visit_id`` (a column or a value),
    for another area's one-read statements to include."""
    return exists().where(Alert.visit_id == visit_id, Alert.kind.in_(tuple(kinds)),  # type: ignore[attr-defined]
                          Alert.state != AlertState.RESOLVED)


def resolve_open_on_visit_sql(kinds: Collection[AlertKind], when_sql: str) -> str:
    """The SQL of an update resolving, by the system at ``:alert_resolved_at``, the unresolved alerts of these kinds
    on the visit ``:b_id`` of provider ``:b_provider_id`` when the SQL condition ``when_sql`` holds: for another
    area's statement that writes a change to a visit and its consequences at once (what
    :meth:`AlertRepository.resolve_open_on_visit` does as a statement of its own)."""
    table, resolved = Alert.__table__.name, AlertState.RESOLVED  # type: ignore[attr-defined]
    kind_list = ", ".join(f"'{kind}'" for kind in kinds)  # the enum's fixed values, never a caller's text
    return (f"UPDATE {table} SET state = '{resolved}', resolved_by = NULL, resolved_at = :alert_resolved_at "
            f"WHERE visit_id = :b_id AND provider_id = :b_provider_id AND state <> '{resolved}' "
            f"AND kind IN ({kind_list}) AND {when_sql}")


RESOLVED_AT = bindparam("alert_resolved_at", type_=Alert.__table__.c.resolved_at.type)  # type: ignore[attr-defined]
"""The typed parameter of :func:`resolve_open_on_visit_sql`."""


class AlertRepository(TenantRepository[Alert]):
    """Alerts of the caller's providers."""

    model = Alert

    async def resolve_open_on_visit(self, visit_id: int, kinds: Collection[AlertKind], at: datetime) -> int:
        """Resolve, in one statement, the visit's unresolved alerts of these kinds (resolved by the system);
        returns how many."""
        return await self.update_where(
            {"state": AlertState.RESOLVED, "resolved_by": None, "resolved_at": at},
            Alert.visit_id == visit_id, Alert.kind.in_(tuple(kinds)), Alert.state != AlertState.RESOLVED,  # type: ignore[attr-defined]
        )

    async def resolved_before(self, before: datetime) -> list[int]:
        """The alerts resolved before ``before``, by id."""
        statement = self.scoped(select(Alert.id)).where(
            Alert.state == AlertState.RESOLVED, Alert.resolved_at < before  # type: ignore[operator]
        ).order_by(Alert.id)
        return list((await self.session.execute(statement)).scalars())

    async def counts_by_client(self, client_ids: Collection[int], kinds: Collection[AlertKind], start: datetime,
                               end: datetime) -> dict[int, int]:
        """How many alerts of these kinds each client had raised between ``start`` and ``end``."""
        statement = self.scoped(select(Alert.client_id, func.count())).where(
            Alert.client_id.in_(client_ids), Alert.kind.in_(kinds), Alert.created_at >= start,  # type: ignore[union-attr,attr-defined]
            Alert.created_at < end).group_by(Alert.client_id)
        return {row[0]: row[1] for row in (await self.session.execute(statement)).all()}

    def open_counts(self, kinds: Collection[AlertKind]) -> Any:
        """A subquery of (client_id, urgent, warning): per client, how many alerts of these kinds nobody has
        acknowledged yet, of each severity; for another area's query to join by client id."""
        def count(severity: AlertSeverity) -> Any:
            return func.sum(case((Alert.severity == severity, 1), else_=0)).label(severity.value)

        statement = self.scoped(select(Alert.client_id, count(AlertSeverity.URGENT), count(AlertSeverity.WARNING)))
        return statement.where(Alert.kind.in_(tuple(kinds)), Alert.state == AlertState.OPEN,  # type: ignore[attr-defined]
                               Alert.client_id.is_not(None)).group_by(Alert.client_id).subquery()  # type: ignore[union-attr]

    async def kinds_on_visits(self, visit_ids: Collection[int], kinds: Collection[AlertKind]) -> set[tuple[int, str]]:
        """``(visit id, kind)`` of every alert of these kinds already raised on these visits."""
        if not visit_ids:
            return set()
        statement = self.scoped(select(Alert.visit_id, Alert.kind)).where(
            Alert.visit_id.in_(visit_ids), Alert.kind.in_(kinds)  # type: ignore[union-attr,attr-defined]
        )
        return {(visit_id, str(kind)) for visit_id, kind in (await self.session.execute(statement)).all()}

    async def unresolved_with_visit_status(self, kinds: Collection[AlertKind], since: datetime) -> list[tuple[Alert, Any]]:
        """Unresolved alerts of these kinds raised since ``since``, each with its visit's status now."""
        statement = self.scoped(select(Alert, Visit.status)).join(Visit, Visit.id == Alert.visit_id).where(
            Alert.state != AlertState.RESOLVED, Alert.kind.in_(kinds), Alert.created_at >= since,  # type: ignore[attr-defined]
        )
        return [(alert, status) for alert, status in (await self.session.execute(statement)).all()]
