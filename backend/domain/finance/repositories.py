"""Data access for finance: tenant-scoped export records, authority payment rules, the provider directory, and the
prepared billing figures with their queue of changed visits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantRepository, TenantScope
from backend.domain.accounts.models import Authority, Provider
from backend.domain.finance.billing import Totals
from backend.domain.finance.models import BillingChange, BillingFact, ExportBatch, ExportRun, PaymentRule, ScheduledExport

FIGURES: tuple[str, ...] = Totals.__struct_fields__  # the per-visit figures a BillingFact row holds


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


class ExportRunRepository:
    """Runs of the weekly export, which belong to no provider (each covers them all)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, run: ExportRun) -> ExportRun:
        """Record a run that starts now."""
        self.session.add(run)
        await self.session.flush()
        return run

    async def update(self, run_id: int, **values: Any) -> None:
        """Set a run's progress, stage, files or outcome."""
        await self.session.execute(update(ExportRun).where(ExportRun.id == run_id).values(**values))  # type: ignore[arg-type]

    async def newest(self, limit: int, offset: int) -> tuple[Sequence[ExportRun], int]:
        """A page of runs, newest first, and how many there are."""
        statement = select(ExportRun).order_by(ExportRun.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr]
        rows = (await self.session.execute(statement)).scalars().all()
        total = (await self.session.execute(select(func.count()).select_from(ExportRun))).scalar_one()
        return rows, int(total)


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
        statement = select(Provider, Authority).join(Authority, Authority.id == Provider.authority_id) \
            .where(Provider.hub_only.is_(False))  # type: ignore[attr-defined]  # a hub's own tenancy bills nothing
        if self.scope.provider_ids is not None:
            statement = statement.where(Provider.id.in_(self.scope.provider_ids))  # type: ignore[union-attr]
        if provider_id is not None:
            statement = statement.where(Provider.id == provider_id)
        rows = (await self.session.execute(statement.order_by(Provider.code))).all()
        return [(p, a) for p, a in rows]

    async def find(self, code_or_id: str) -> tuple[Provider, Authority] | None:
        """A provider in scope by its code or numeric id."""
        statement = select(Provider, Authority).join(Authority, Authority.id == Provider.authority_id) \
            .where(Provider.hub_only.is_(False))  # type: ignore[attr-defined]  # a hub's own tenancy bills nothing
        if code_or_id.isdigit():
            statement = statement.where(Provider.id == int(code_or_id))
        else:
            statement = statement.where(Provider.code == code_or_id)
        if self.scope.provider_ids is not None:
            statement = statement.where(Provider.id.in_(self.scope.provider_ids))  # type: ignore[union-attr]
        row = (await self.session.execute(statement)).first()
        return (row[0], row[1]) if row else None


class BillingChangeRepository(TenantRepository[BillingChange]):
    """Visits queued (by the database's triggers) for their billing figures to be prepared again."""

    model = BillingChange

    async def pending(self, start: date, ending: date, limit: int) -> Sequence[Any]:
        """The oldest queued changes of visits (on their old or new day) between two days: ``(id, visit id)`` rows."""
        statement = (
            self.scoped(select(BillingChange.id, BillingChange.visit_id))
            .where(BillingChange.visit_date >= start, BillingChange.visit_date <= ending)
            .order_by(BillingChange.id).limit(limit)  # type: ignore[arg-type]
        )
        return (await self.session.execute(statement)).all()

    async def forget(self, change_ids: Collection[int]) -> None:
        """Drop changes whose figures are prepared (whoever prepared them; a change queued since stays)."""
        await self.delete_where(BillingChange.id.in_(change_ids))  # type: ignore[union-attr]


class BillingFactRepository(TenantRepository[BillingFact]):
    """Prepared per-visit billing figures of the caller's providers."""

    model = BillingFact

    async def upsert(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or replace figures, unless the stored ones already reflect a newer change (``as_of``)."""
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(BillingFact)
        columns = [name for name in rows[0] if name != "visit_id"]
        statement = statement.on_conflict_do_update(
            index_elements=[BillingFact.visit_id], set_={name: statement.excluded[name] for name in columns},
            where=BillingFact.as_of <= statement.excluded.as_of,  # type: ignore[arg-type]
        )
        await self.session.execute(statement, list(rows))

    async def remove(self, visit_ids: Collection[int]) -> None:
        """Forget the figures of visits that no longer exist."""
        await self.delete_where(BillingFact.visit_id.in_(visit_ids))  # type: ignore[attr-defined]

    async def sums(self, start: date, ending: date, by: Sequence[str], *, provider_id: int | None = None,
                   client_id: int | None = None) -> Sequence[Any]:
        """The figures summed per ``by`` columns (always also per provider and rules key) between two days:
        rows of the ``by`` columns, provider, rules key, then one sum per :data:`FIGURES` name."""
        groups = [getattr(BillingFact, name) for name in (*by, "provider_id", "rules_key")]
        statement = self.scoped(select(*groups, *(func.sum(getattr(BillingFact, name)) for name in FIGURES))).where(
            BillingFact.visit_date >= start, BillingFact.visit_date <= ending,
        )
        if provider_id is not None:
            statement = statement.where(BillingFact.provider_id == provider_id)
        if client_id is not None:
            statement = statement.where(BillingFact.client_id == client_id)
        return (await self.session.execute(statement.group_by(*groups))).all()

    async def keyed_other_than(self, provider_id: int, start: date, ending: date, rules_key: str) -> Sequence[Any]:
        """``(visit id, as_of)`` of a provider's visits between two days prepared under other rules."""
        statement = self.scoped(select(BillingFact.visit_id, BillingFact.as_of)).where(
            BillingFact.provider_id == provider_id, BillingFact.visit_date >= start, BillingFact.visit_date <= ending,
            BillingFact.rules_key != rules_key,
        )
        return (await self.session.execute(statement)).all()
