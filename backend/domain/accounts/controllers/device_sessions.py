"""Supervisors list their staff's signed-in devices and revoke a lost phone's session."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.accounts import urls
from backend.security.guards import requires_supervisor
from backend.domain.accounts.repositories import DeviceSessionRepository
from backend.security.models import DeviceSession
from backend.domain.audit.services import record
from backend.pagination import Page, PageParams, provide_page_params
from backend.security import sessions
from backend.security.principal import Principal
from shared.timekeeping import utc_now


class DeviceSessionController(Controller):
    """Signed-in devices of the provider's staff."""

    tags = ["accounts"]
    guards = [requires_supervisor]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get(urls.DEVICE_SESSIONS, summary="List device sessions")
    async def list_sessions(
        self, db_session: AsyncSession, tenant: TenantScope, page: PageParams,
        user_id: int | None = Parameter(query="user_id", default=None, description="only this user's sessions"),
        active: bool = Parameter(query="active", default=True, description="only sessions not revoked"),
    ) -> Page[sessions.DeviceSessionOut]:
        """Newest first."""
        repo = DeviceSessionRepository(db_session, tenant)
        filters: list[Any] = []
        if user_id is not None:
            filters.append(DeviceSession.user_id == user_id)
        if active:
            filters.append(DeviceSession.revoked_at.is_(None))  # type: ignore[union-attr]
        rows = await repo.list(*filters, order_by=DeviceSession.created_at.desc(), limit=page.limit, offset=page.offset)  # type: ignore[attr-defined]
        return Page([sessions.session_summary(r) for r in rows], await repo.count(*filters), page.limit, page.offset)

    @post(urls.DEVICE_SESSION_REVOKE, status_code=200, summary="Revoke a device session (lost phone)")
    async def revoke(self, state: State, db_session: AsyncSession, request: Request[Principal, Any, Any],
                     session_id: str) -> sessions.DeviceSessionOut:
        """Its refresh token stops working at once and its access token within seconds, in every API process."""
        row = await DeviceSessionRepository(db_session, request.user.scope).get(session_id)  # type: ignore[arg-type]
        if row is None:
            raise NotFoundException(f"no device session {session_id}")
        now = utc_now()
        await sessions.revoke(db_session, session_id, request.user.user_id, now)
        record(db_session, request.user, "device_session.revoke", "device_session", session_id, provider_id=row.provider_id)
        await db_session.commit()
        state.auth.revoked_token_handler.revocations.invalidate()
        await db_session.refresh(row)
        return sessions.session_summary(row)
