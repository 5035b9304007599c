"""Supervisors list their staff's signed-in devices and revoke a lost phone's session."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.accounts import urls
from backend.domain.accounts.models import User
from backend.security.guards import requires_supervisor
from backend.domain.accounts.repositories import DeviceSessionRepository
from backend.security.models import DeviceSession
from backend.domain.audit.services import record
from backend.pagination import Page, PageParams, provide_page_params
from backend.security import sessions
from backend.security.principal import Principal
from shared.enums import Role
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
    async def revoke(self, db_session: AsyncSession, request: Request[Principal, Any, Any],
                     session_id: str) -> sessions.DeviceSessionOut:
        """Its refresh token, access tokens or page cookie stop working at once, in every API process.

        A supervisor ends the sessions of carers and supervisors; only a provider admin ends an admin's.
        """
        row = await DeviceSessionRepository(db_session, request.user.scope).get(session_id)  # type: ignore[arg-type]
        if row is None:
            raise NotFoundException(f"no device session {session_id}")
        owner = await db_session.get(User, row.user_id)
        if owner is not None and owner.role == Role.PROVIDER_ADMIN and request.user.role != Role.PROVIDER_ADMIN:
            raise PermissionDeniedException("only a provider admin can end a provider admin's session")
        now = utc_now()
        await sessions.revoke(db_session, session_id, request.user.user_id, now)
        record(db_session, request.user, "device_session.revoke", "device_session", session_id, provider_id=row.provider_id)
        await db_session.commit()
        await db_session.refresh(row)
        return sessions.session_summary(row)
