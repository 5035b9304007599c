"""Data access for finance: tenant-scoped export records, authority payment rules and the provider directory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantRepository, TenantScope
from backend.domain.accounts.models import Authority, Provider
from backend.domain.finance.models import ExportBatch, PaymentRule, ScheduledExport


class ExportBatchRepository(TenantRepository[ExportBatch]):
    """Export files of the caller's providers."""

    model = ExportBatch

    async def latest(self, provider_id: int, week_ending: date, export_format: str) -> ExportBatch | None:
        """The newest version exported for a provider, week and format."""
        statement = (
            self.select()
            .where(ExportBatch.provider_id == provider_id, ExportBatch.week_ending == week_ending,
                   ExportBatch.format == export_format)
            .order_by(ExportBatch.version.desc())  # type: ignore[attr-defined]
            .limit(1)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()


class ScheduledExportRepository(TenantRepository[ScheduledExport]):
    """Files the weekly job has written, per provider."""

    model = ScheduledExport


class PaymentRuleRepository:
    """Payment rule versions of one authority (authority-owned, not provider-owned)."""

    def __init__(self, session: AsyncSession, authority_id: int) -> None:
        self.session = session
        self.authority_id = authority_id

    async def versions(self) -> Sequence[PaymentRule]:
        """Every version, newest first."""
        statement = (
            select(PaymentRule).where(PaymentRule.authority_id == self.authority_id)
            .order_by(PaymentRule.version.desc())  # type: ignore[attr-defined]
        )
        return (await self.session.execute(statement)).scalars().all()

    async def in_force(self, week_start: date) -> PaymentRule | None:
        """The version in force for a week starting on ``week_start``."""
        statement = (
            select(PaymentRule)
            .where(PaymentRule.authority_id == self.authority_id, PaymentRule.effective_from <= week_start)
            .order_by(PaymentRule.effective_from.desc(), PaymentRule.version.desc())  # type: ignore[attr-defined]
            .limit(1)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def next_version(self) -> int:
        """The number a new version gets."""
        statement = select(func.max(PaymentRule.version)).where(PaymentRule.authority_id == self.authority_id)
        return int((await self.session.execute(statement)).scalar_one() or 0) + 1


class ProviderDirectory:
    """Providers (and their authorities) visible in a scope; a provider row's own id is its tenancy key."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    async def list(self, provider_id: int | None = None) -> Sequence[tuple[Provider, Authority]]:
        """Providers in scope with their authority, by code; optionally just one."""
        statement = select(Provider, Authority).join(Authority, Authority.id == Provider.authority_id)
        if self.scope.provider_ids is not None:
            statement = statement.where(Provider.id.in_(self.scope.provider_ids))  # type: ignore[union-attr]
        if provider_id is not None:
            statement = statement.where(Provider.id == provider_id)
        rows = (await self.session.execute(statement.order_by(Provider.code))).all()
        return [(p, a) for p, a in rows]

    async def find(self, code_or_id: str) -> tuple[Provider, Authority] | None:
        """A provider in scope by its code or numeric id."""
        statement = select(Provider, Authority).join(Authority, Authority.id == Provider.authority_id)
        if code_or_id.isdigit():
            statement = statement.where(Provider.id == int(code_or_id))
        else:
            statement = statement.where(Provider.code == code_or_id)
        if self.scope.provider_ids is not None:
            statement = statement.where(Provider.id.in_(self.scope.provider_ids))  # type: ignore[union-attr]
        row = (await self.session.execute(statement)).first()
        return (row[0], row[1]) if row else None
