"""Request helpers shared by the finance API and pages: parsing weeks and resolving providers in scope."""

from __future__ import annotations

from collections.abc import Sequence

from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.database.tenancy import TenantScope
from backend.domain.accounts.models import Authority, Provider
from backend.domain.finance.repositories import ProviderDirectory
from backend.domain.finance.weeks import FinanceWeek, parse_week_ending


def week_param(text: str, name: str = "week_ending") -> FinanceWeek:
    """A finance week from a query or path value, or a 400 problem naming the field."""
    try:
        return parse_week_ending(text)
    except ValueError as exc:
        raise ValidationException(str(exc), extra=[{"key": name, "message": str(exc), "source": "query"}]) from exc


async def providers_in_scope(session: AsyncSession, scope: TenantScope,
                             provider_id: int | None) -> Sequence[tuple[Provider, Authority]]:
    """The providers a request covers: the one asked for (403 when outside the caller's scope), else all in scope."""
    if provider_id is not None and not scope.allows(provider_id):
        raise PermissionDeniedException(f"provider {provider_id} is outside your scope")
    found = await ProviderDirectory(session, scope).list(provider_id)
    if provider_id is not None and not found:
        raise NotFoundException(f"no provider {provider_id}")
    return found


async def export_providers(sessionmaker: async_sessionmaker[AsyncSession], scope: TenantScope,
                           provider_id: int | None) -> Sequence[tuple[Provider, Authority]]:
    """:func:`providers_in_scope` in a short session of its own.

    Export handlers take no request session: on SQLite the app keeps one connection,
    and the export's own sessions (batch allocation, streaming) need it after this.
    """
    async with sessionmaker() as session:
        return await providers_in_scope(session, scope, provider_id)
