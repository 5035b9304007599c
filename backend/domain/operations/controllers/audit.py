"""Provider admins query the audit log: who read which case notes, and every write. Read only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_provider_admin
from backend.domain.audit.models import AuditLog
from backend.domain.operations import urls
from backend.domain.operations.repositories import AuditLogRepository
from backend.domain.operations.schemas import AuditEntryOut
from backend.pagination import Page, PageParams, provide_page_params

Since = Annotated[datetime | None, Parameter(query="since", default=None, description="from this instant (ISO-8601)")]
Until = Annotated[datetime | None, Parameter(query="until", default=None, description="before this instant (ISO-8601)")]


class AuditController(Controller):
    """The provider's audit log; there is no endpoint that changes it."""

    tags = ["audit"]
    guards = [requires_provider_admin]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get(urls.AUDIT, summary="Query the audit log")
    async def query(
        self, db_session: AsyncSession, tenant: TenantScope, page: PageParams, since: Since = None, until: Until = None,
        action: str | None = Parameter(query="action", default=None, max_length=60, description="e.g. case_notes.read"),
        entity: str | None = Parameter(query="entity", default=None, max_length=60, description="e.g. visit"),
        entity_id: str | None = Parameter(query="entity_id", default=None, max_length=60),
        actor_id: int | None = Parameter(query="actor_id", default=None, description="the user who acted"),
    ) -> Page[AuditEntryOut]:
        """Newest first, filtered by action, record, actor and time."""
        filters: list[Any] = []
        for column, value in ((AuditLog.action, action), (AuditLog.entity, entity), (AuditLog.entity_id, entity_id),
                              (AuditLog.actor_id, actor_id)):
            if value is not None:
                filters.append(column == value)
        if since is not None:
            filters.append(AuditLog.at >= since)
        if until is not None:
            filters.append(AuditLog.at < until)
        repo = AuditLogRepository(db_session, tenant)
        rows = await repo.list(*filters, order_by=AuditLog.id.desc(), limit=page.limit, offset=page.offset)  # type: ignore[union-attr]
        items: list[AuditEntryOut] = [{"id": r.id or 0, "at": r.at, "actor_id": r.actor_id, "action": r.action, "entity": r.entity,
                  "entity_id": r.entity_id, "detail": r.detail} for r in rows]
        return Page(items, await repo.count(*filters), page.limit, page.offset)
