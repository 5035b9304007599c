"""The finance JSON API: reconciliation, a client's week, streamed exports, export batches, payment rules."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.accounts.repositories import ProviderRepository
from backend.domain.finance import services, urls
from backend.domain.finance.billing import RULE_FIELDS
from backend.domain.finance.dependencies import export_providers, providers_in_scope, week_param
from backend.domain.finance.exports import EXTENSIONS, MEDIA_TYPES, export_contents
from backend.domain.finance.models import ExportBatch, ExportRun, PaymentRule
from backend.domain.finance.repositories import ExportBatchRepository, ExportRunRepository, PaymentRuleRepository
from backend.domain.finance.schemas import (
    ClientWeekDetailOut,
    ClientWeekOut,
    ExportBatchOut,
    ExportFormat,
    ExportRunOut,
    PaymentRuleIn,
    PaymentRuleOut,
    ProviderWeekOut,
    ReconciliationOut,
    TotalsOut,
    VisitWeekOut,
)
from backend.openapi import file_response
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.guards import requires_finance_reader, requires_roles
from backend.security.principal import Principal
from shared.enums import Role

requires_commissioner = requires_roles(Role.COMMISSIONER)


def rule_out(row: PaymentRule) -> PaymentRuleOut:
    """The public shape of a rule version."""
    assert row.id is not None
    values = {name: getattr(row, name) for name in RULE_FIELDS}
    return PaymentRuleOut(id=row.id, authority_id=row.authority_id, version=row.version,
                          effective_from=row.effective_from, created_at=row.created_at, **values)


def batch_out(b: ExportBatch) -> ExportBatchOut:
    """The public shape of an export batch."""
    assert b.id is not None
    return ExportBatchOut(id=b.id, provider_id=b.provider_id, week_ending=b.week_ending, format=b.format,
                          file_reference=b.file_reference, version=b.version, supersedes_id=b.supersedes_id,
                          row_count=b.row_count, created_at=b.created_at)


def run_out(run: ExportRun) -> ExportRunOut:
    """The public shape of a weekly export run."""
    assert run.id is not None
    return ExportRunOut(id=run.id, due_at=run.due_at, status=run.status, progress=run.progress, stage=run.stage,
                        files=run.files, error=run.error, started_at=run.started_at, finished_at=run.finished_at)


def reconciliation_out(result: services.Reconciliation, page: PageParams | None) -> ReconciliationOut:
    """The reconciliation response; clients listed only for a single provider."""
    clients = None
    if page is not None and len(result.providers) == 1:
        line = result.providers[0]
        ordered = sorted(line.clients.values(), key=lambda c: c.client_ref)
        items = [
            ClientWeekOut(client_id=c.client_id, provider_id=line.provider.id or 0, client_ref=c.client_ref,
                          client_name=c.client_name, totals=TotalsOut.of(c.totals))
            for c in ordered[page.offset : page.offset + page.limit]
        ]
        clients = Page(items, len(ordered), page.limit, page.offset)
    return ReconciliationOut(
        week_ending=result.week.ending, week_start=result.week.start, timezone="Europe/London",
        totals=TotalsOut.of(result.totals),
        providers=[
            ProviderWeekOut(provider_id=p.provider.id or 0, provider_ref=p.provider.code, provider_name=p.provider.name,
                            authority_code=p.authority.code, rules_version=p.rules.version, totals=TotalsOut.of(p.totals))
            for p in result.providers
        ],
        clients=clients,
    )


async def _authority_of(session: AsyncSession, principal: Principal) -> int:
    if principal.authority_id is not None:
        return principal.authority_id
    if principal.provider_id is not None:
        authority_id = await ProviderRepository(session).authority_of(principal.provider_id)
        if authority_id is not None:
            return int(authority_id)
    raise PermissionDeniedException("your account belongs to no authority")


def _check_rule(data: PaymentRuleIn) -> None:
    problems = []
    if not 0 <= data.grace_minutes <= 60:
        problems.append({"key": "grace_minutes", "message": "must be between 0 and 60"})
    if not 0 <= data.minimum_billable_minutes <= 240:
        problems.append({"key": "minimum_billable_minutes", "message": "must be between 0 and 240"})
    if not 0 <= data.cancellation_notice_hours <= 168:
        problems.append({"key": "cancellation_notice_hours", "message": "must be between 0 and 168"})
    if problems:
        raise ValidationException("invalid payment rule", extra=problems)


class FinanceController(Controller):
    """Delivered hours and exports, for commissioners (their authority) and provider admins (their provider)."""

    tags = ["finance"]
    guards = [requires_finance_reader]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get(urls.RECONCILIATION, summary="Weekly reconciliation per provider (and per client for one provider)")
    async def reconciliation(
        self,
        state: State,
        db_session: AsyncSession,
        tenant: TenantScope,
        page: PageParams,
        week_ending: str = Parameter(description="the Sunday ending the week (Europe/London), YYYY-MM-DD"),
        provider_id: int | None = Parameter(default=None, description="one provider; lists its clients"),
    ) -> ReconciliationOut:
        """Planned, delivered and billable hours, variance, missed/late/short/unverified and compliance."""
        week = week_param(week_ending)
        await providers_in_scope(db_session, tenant, provider_id)
        result = await services.reconcile(db_session, tenant, week, provider_id=provider_id,
                                          late_tolerance_minutes=state.settings.late_tolerance_minutes)
        return reconciliation_out(result, page if provider_id is not None else None)

    @get(urls.CLIENT_WEEK, summary="A client's week, visit by visit")
    async def client_week(
        self,
        state: State,
        db_session: AsyncSession,
        tenant: TenantScope,
        client_id: int,
        week_ending: str = Parameter(description="the Sunday ending the week, YYYY-MM-DD"),
    ) -> ClientWeekDetailOut:
        """Every visit of the client's week with carer lines, verification and amendments (reason codes only)."""
        week = week_param(week_ending)
        detail = await services.client_week(db_session, tenant, week, client_id, state.settings.late_tolerance_minutes)
        if detail is None:
            raise NotFoundException(f"no client {client_id}")
        assert detail.client.id is not None and detail.provider.id is not None
        return ClientWeekDetailOut(
            week_ending=week.ending, provider_id=detail.provider.id, client_id=detail.client.id,
            client_ref=detail.client.ref, client_name=detail.client.name, rules_version=detail.rules.version,
            totals=TotalsOut.of(detail.totals), visits=[VisitWeekOut.of(v) for v in detail.visits],
        )

    @post(urls.EXPORTS, status_code=200, summary="Export a week for the finance portal (streamed)",
          description="A POST: every call makes a new file version (new FileReference, superseding the last). "
                      "Files already produced are listed by GET /api/v1/finance/export-batches.",
          operation_class=file_response("the file: abacus CSV or EVV JSON", export_contents()))
    async def export(
        self,
        request: Request[Principal, Any, Any],
        state: State,
        tenant: TenantScope,
        week_ending: str = Parameter(description="the Sunday ending the week, YYYY-MM-DD"),
        format: ExportFormat = Parameter(description="abacus-csv or evv-json"),  # noqa: A002
        provider_id: int | None = Parameter(default=None, description="one provider (default: all in scope)"),
    ) -> Stream:
        """A new file version (new FileReference, superseding the last) streamed without loading the week."""
        week = week_param(week_ending)
        providers = await export_providers(state.sessionmaker, tenant, provider_id)
        targets = await services.prepare_export(state.sessionmaker, tenant, week, format, providers,
                                                request.user.user_id, state.settings.late_tolerance_minutes)
        references = [t.batch.file_reference for t in targets]
        name = references[0] if len(references) == 1 else f"{week.ending:%Y%m%d}-all-providers"
        return Stream(
            services.stream_export(state.sessionmaker, tenant, week, format, targets),
            media_type=MEDIA_TYPES[format],
            headers={
                "Content-Disposition": f'attachment; filename="{name}.{EXTENSIONS[format]}"',
                "X-File-Reference": ",".join(references),
            },
        )

    @get(urls.EXPORT_BATCHES, summary="Export files already produced")
    async def export_batches(
        self,
        db_session: AsyncSession,
        tenant: TenantScope,
        page: PageParams,
        week_ending: str | None = Parameter(default=None, description="only this week"),
        provider_id: int | None = Parameter(default=None),
    ) -> Page[ExportBatchOut]:
        """Every version ever exported in scope, newest first."""
        filters: list[Any] = []
        if week_ending is not None:
            filters.append(ExportBatch.week_ending == week_param(week_ending).ending)
        if provider_id is not None:
            filters.append(ExportBatch.provider_id == provider_id)
        repo = ExportBatchRepository(db_session, tenant)
        rows = await repo.list(*filters, order_by=ExportBatch.id.desc(), limit=page.limit, offset=page.offset)  # type: ignore[union-attr]
        return Page([batch_out(b) for b in rows], await repo.count(*filters), page.limit, page.offset)

    @get(urls.EXPORT_RUNS, guards=[requires_commissioner], summary="Runs of the weekly export, with their progress")
    async def export_runs(self, db_session: AsyncSession, page: PageParams) -> Page[ExportRunOut]:
        """Newest first: a running one shows its progress (0..1) and stage (the week, how many providers are done)."""
        rows, total = await ExportRunRepository(db_session).newest(page.limit, page.offset)
        return Page([run_out(r) for r in rows], total, page.limit, page.offset)

    @get(urls.PAYMENT_RULES, summary="Payment rule versions of the caller's authority")
    async def payment_rules(self, request: Request[Principal, Any, Any], db_session: AsyncSession,
                            page: PageParams) -> Page[PaymentRuleOut]:
        """Every version, newest first."""
        rows = await PaymentRuleRepository(db_session, await _authority_of(db_session, request.user)).versions()
        return Page([rule_out(r) for r in rows[page.offset : page.offset + page.limit]], len(rows), page.limit, page.offset)

    @post(urls.PAYMENT_RULES, guards=[requires_commissioner], summary="Add a payment rule version")
    async def add_payment_rule(self, request: Request[Principal, Any, Any], db_session: AsyncSession,
                               data: PaymentRuleIn) -> PaymentRuleOut:
        """Append a version; weeks starting on or after ``effective_from`` are billed by it."""
        _check_rule(data)
        values = {name: getattr(data, name) for name in RULE_FIELDS}
        authority_id = await _authority_of(db_session, request.user)
        row = await services.add_rule_version(db_session, authority_id, data.effective_from, values, request.user.user_id)
        return rule_out(row)
