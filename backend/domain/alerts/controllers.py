"""Supervisors list, acknowledge and resolve alerts."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_supervisor
from backend.domain.alerts import services
from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.alerts.schemas import AlertOut, alert_summary
from backend.domain.audit.services import record
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.principal import Principal
from shared.enums import AlertKind, AlertState


class AlertController(Controller):
    """The provider's alerts."""

    path = "/api/v1/alerts"
    tags = ["alerts"]
    guards = [requires_supervisor]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get("/", summary="List alerts")
    async def list_alerts(
        self, db_session: AsyncSession, tenant: TenantScope, page: PageParams,
        in_state: AlertState | None = QueryParameter(name="state", default=None, description="only alerts in this state"),
        of_kind: AlertKind | None = QueryParameter(name="kind", default=None,
                                                   description="only alerts of this kind (the board's alarm watch asks for alarm)"),
    ) -> Page[AlertOut]:
        """Newest first."""
        repo = AlertRepository(db_session, tenant)
        filters = [Alert.state == in_state] if in_state else []
        if of_kind:
            filters.append(Alert.kind == of_kind)
        rows = await repo.list(*filters, order_by=Alert.created_at.desc(), limit=page.limit, offset=page.offset)  # type: ignore[attr-defined]
        return Page([alert_summary(a) for a in rows], await repo.count(*filters), page.limit, page.offset)

    async def _change(self, db_session: AsyncSession, request: Request[Principal, Any, Any], alert_id: int, action: str) -> AlertOut:
        alert = await AlertRepository(db_session, request.user.scope).get(alert_id)
        if alert is None:
            raise NotFoundException(f"no alert {alert_id}")
        if action == "acknowledge":
            services.acknowledge(alert, request.user.user_id)
        else:
            services.resolve(alert, request.user.user_id)
        record(db_session, request.user, f"alert.{action}", "alert", alert_id, provider_id=alert.provider_id)
        return alert_summary(alert)

    @post("/{alert_id:int}/acknowledge", status_code=200, summary="Acknowledge an alert")
    async def acknowledge(self, db_session: AsyncSession, request: Request[Principal, Any, Any], alert_id: int) -> AlertOut:
        """Someone is looking at it."""
        return await self._change(db_session, request, alert_id, "acknowledge")

    @post("/{alert_id:int}/resolve", status_code=200, summary="Resolve an alert")
    async def resolve(self, db_session: AsyncSession, request: Request[Principal, Any, Any], alert_id: int) -> AlertOut:
        """It has been dealt with."""
        return await self._change(db_session, request, alert_id, "resolve")
