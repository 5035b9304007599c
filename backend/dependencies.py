"""Request-scoped dependencies shared by every area: the database session and the caller's scope."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.principal import Principal


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    """One session per request, committed when the handler succeeds and rolled back otherwise."""
    async with state.sessionmaker() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        else:
            await session.commit()


def provide_scope(request: Request[Principal, Any, Any]) -> TenantScope:
    """The tenancy scope of the signed-in caller."""
    return request.user.scope
