"""Writing the audit log: every write, and every read of case notes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.audit.models import AuditLog
from backend.security.principal import Principal
from shared.timekeeping import utc_now


def audit_row(actor: Principal | None, action: str, entity: str, entity_id: object = "", *,
              provider_id: int | None = None, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """The columns of one audit row (the hot paths write it with ``audit.repositories.append_row``)."""
    return {
        "provider_id": provider_id if provider_id is not None else (actor.provider_id if actor else None),
        "actor_id": actor.user_id if actor else None,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "at": utc_now(),
        "detail": detail or {},
    }


def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    entity: str,
    entity_id: object = "",
    *,
    provider_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row in the caller's transaction, so it commits or rolls back with the change."""
    session.add(AuditLog(**audit_row(actor, action, entity, entity_id, provider_id=provider_id, detail=detail)))

