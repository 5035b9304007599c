"""Finance services: load a week's visit facts in chunks, bill them, reconcile, and record export batches.

Every read goes through tenant-scoped repositories, so a provider admin only ever
sees their own provider and a commissioner the providers of their authority.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.database.tenancy import TenantScope
from backend.domain.accounts.models import Authority, Provider
from backend.domain.finance.billing import (
    AmendmentFacts,
    BilledVisit,
    CarerFacts,
    Check,
    Rules,
    Totals,
    VisitFacts,
    bill_visit,
)
from backend.domain.finance.exports import FileHeader, RunningTotals, write_async
from backend.domain.finance.models import ExportBatch, PaymentRule
from backend.domain.finance.repositories import ExportBatchRepository, PaymentRuleRepository, ProviderDirectory
from backend.domain.finance.weeks import FinanceWeek
from backend.domain.people.models import CarePackage, Carer, Client, VisitTemplate
from backend.domain.people.repositories import CarerRepository, ClientRepository
from backend.domain.visits.models import Amendment, Visit, VisitAssignment, VisitEvent
from backend.domain.visits.repositories import (
    AmendmentRepository,
    VisitAssignmentRepository,
    VisitEventRepository,
    VisitRepository,
)

CLIENTS_PER_CHUNK = 200
EXPORT_FORMATS = ("abacus-csv", "evv-json")
_FORMAT_LETTER = {"abacus-csv": "C", "evv-json": "J"}


# ---------------------------------------------------------------- payment rules

RULE_FIELDS = (
    "billing_unit_minutes", "rounding", "grace_minutes", "minimum_billable_minutes", "cap_at_planned",
    "double_handed_per_carer", "bill_missed", "bill_short_notice_cancellations", "cancellation_notice_hours",
    "unverified_billable_before_approval",
)


def rules_from_row(row: PaymentRule | None, late_tolerance_minutes: int = 30) -> Rules:
    """The billing rules of a stored version (the defaults when the authority has none yet)."""
    if row is None:
        return Rules(late_tolerance_minutes=late_tolerance_minutes)
    values = {name: getattr(row, name) for name in RULE_FIELDS}
    return Rules(version=row.version, late_tolerance_minutes=late_tolerance_minutes, **values)


async def rules_for(session: AsyncSession, authority_id: int, week: FinanceWeek, late_tolerance_minutes: int = 30) -> Rules:
    """The rules in force for an authority in a week."""
    row = await PaymentRuleRepository(session, authority_id).in_force(week.start)
    return rules_from_row(row, late_tolerance_minutes)


async def add_rule_version(session: AsyncSession, authority_id: int, effective_from: date, values: dict[str, object],
                           created_by: int | None) -> PaymentRule:
    """Append a new version of an authority's rules (earlier versions stay as they were)."""
    repo = PaymentRuleRepository(session, authority_id)
    for _attempt in range(5):
        row = PaymentRule(authority_id=authority_id, version=await repo.next_version(), effective_from=effective_from,
                          created_by=created_by, **values)  # type: ignore[arg-type]
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
            return row
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a payment rule version")


# ---------------------------------------------------------------- visit facts


async def _client_groups(session: AsyncSession, scope: TenantScope, week: FinanceWeek, provider_id: int | None,
                         client_id: int | None) -> list[list[int]]:
    repo = VisitRepository(session, scope)
    statement = repo.scoped(select(Visit.client_id).distinct()).where(
        Visit.visit_date >= week.start, Visit.visit_date <= week.ending
    )
    if provider_id is not None:
        statement = statement.where(Visit.provider_id == provider_id)
    if client_id is not None:
        statement = statement.where(Visit.client_id == client_id)
    ids = sorted((await session.execute(statement)).scalars())
    return [ids[i : i + CLIENTS_PER_CHUNK] for i in range(0, len(ids), CLIENTS_PER_CHUNK)]


async def _refs(session: AsyncSession, scope: TenantScope, provider_id: int | None) -> tuple[dict[int, str], dict[int, str]]:
    clients = ClientRepository(session, scope).scoped(select(Client.id, Client.ref))
    carers = CarerRepository(session, scope).scoped(select(Carer.id, Carer.ref))
    if provider_id is not None:
        clients = clients.where(Client.provider_id == provider_id)
        carers = carers.where(Carer.provider_id == provider_id)
    client_refs = {row[0]: row[1] for row in (await session.execute(clients)).all()}
    carer_refs = {row[0]: row[1] for row in (await session.execute(carers)).all()}
    return client_refs, carer_refs


async def iter_visit_facts(
    session: AsyncSession,
    scope: TenantScope,
    week: FinanceWeek,
    *,
    provider_id: int | None = None,
    client_id: int | None = None,
) -> AsyncIterator[list[VisitFacts]]:
    """The week's visits as facts, a chunk of clients at a time, ordered by client, start and id.

    Only a chunk is ever held in memory, so a city-size week streams; each chunk costs four queries.
    """
    groups = await _client_groups(session, scope, week, provider_id, client_id)
    if not groups:
        return
    client_refs, carer_refs = await _refs(session, scope, provider_id)
    visit_repo = VisitRepository(session, scope)
    for group in groups:
        in_week = (Visit.client_id.in_(group), Visit.visit_date >= week.start, Visit.visit_date <= week.ending)  # type: ignore[attr-defined]
        visit_ids = visit_repo.scoped(select(Visit.id)).where(*in_week)
        visits_q = (
            visit_repo.scoped(select(
                Visit.id, Visit.provider_id, Visit.client_id, Visit.visit_date, Visit.planned_start, Visit.planned_end,
                Visit.carers_needed, Visit.status, Visit.cancel_reason, CarePackage.service_type,
            ))
            .outerjoin(VisitTemplate, VisitTemplate.id == Visit.template_id)
            .outerjoin(CarePackage, CarePackage.id == VisitTemplate.care_package_id)
            .where(*in_week)
            .order_by(Visit.client_id, Visit.planned_start, Visit.id)
        )
        assignments_q = VisitAssignmentRepository(session, scope).scoped(
            select(VisitAssignment.visit_id, VisitAssignment.carer_id)
        ).where(VisitAssignment.visit_id.in_(visit_ids)).order_by(VisitAssignment.id)  # type: ignore[attr-defined]
        events_q = VisitEventRepository(session, scope).scoped(select(
            VisitEvent.visit_id, VisitEvent.carer_id, VisitEvent.kind, VisitEvent.device_time, VisitEvent.method,
            VisitEvent.verified, VisitEvent.reason, VisitEvent.review_state,
        )).where(
            VisitEvent.visit_id.in_(visit_ids), VisitEvent.kind.in_(("check_in", "check_out"))  # type: ignore[attr-defined]
        ).order_by(VisitEvent.device_time, VisitEvent.id)
        amendments_q = AmendmentRepository(session, scope).scoped(select(
            Amendment.id, Amendment.visit_id, Amendment.reason_code, Amendment.changes, Amendment.created_at,
            Amendment.decided_at,
        )).where(Amendment.visit_id.in_(visit_ids), Amendment.state == "approved").order_by(  # type: ignore[attr-defined]
            Amendment.decided_at, Amendment.created_at, Amendment.id
        )

        carers_of: dict[int, dict[int, CarerFacts]] = defaultdict(dict)
        for visit_id, carer_id in (await session.execute(assignments_q)).all():
            carers_of[visit_id][carer_id] = CarerFacts(carer_id=carer_id, carer_ref=carer_refs.get(carer_id, ""))
        for visit_id, carer_id, kind, at, method, verified, reason, review in (await session.execute(events_q)).all():
            facts = carers_of[visit_id].get(carer_id)
            if facts is None:
                facts = carers_of[visit_id][carer_id] = CarerFacts(
                    carer_id=carer_id, carer_ref=carer_refs.get(carer_id, ""), assigned=False
                )
            check = Check(at=at, method=method, verified=verified, reason=reason, review_state=review)
            if kind == "check_in":
                if facts.check_in is None:  # the first check-in counts
                    facts.check_in = check
            else:
                facts.check_out = check  # the last check-out counts
        amendments_of: dict[int, list[AmendmentFacts]] = defaultdict(list)
        for a_id, visit_id, reason_code, changes, created_at, decided_at in (await session.execute(amendments_q)).all():
            amendments_of[visit_id].append(AmendmentFacts(
                id=a_id, reason_code=reason_code, changes=changes or {}, created_at=created_at, decided_at=decided_at,
            ))
        chunk: list[VisitFacts] = []
        for row in (await session.execute(visits_q)).all():
            visit_id = row[0]
            chunk.append(VisitFacts(
                visit_id=visit_id, provider_id=row[1], client_id=row[2], client_ref=client_refs.get(row[2], ""),
                visit_date=row[3], planned_start=row[4], planned_end=row[5], carers_needed=row[6], status=str(row[7]),
                cancel_reason=row[8], service_type=row[9] or "personal_care",
                carers=list(carers_of.get(visit_id, {}).values()), amendments=amendments_of.get(visit_id, []),
            ))
        yield chunk


async def iter_billed(session: AsyncSession, scope: TenantScope, week: FinanceWeek, rules: Rules, *,
                      provider_id: int | None = None, client_id: int | None = None) -> AsyncIterator[list[BilledVisit]]:
    """The week's visits after the rules, chunk by chunk."""
    async for chunk in iter_visit_facts(session, scope, week, provider_id=provider_id, client_id=client_id):
        yield [bill_visit(facts, rules) for facts in chunk]


# ---------------------------------------------------------------- reconciliation


@dataclass
class ClientWeek:
    """A client's reconciliation line."""

    client_id: int
    client_ref: str
    client_name: str
    totals: Totals = field(default_factory=Totals)


@dataclass
class ProviderWeek:
    """A provider's reconciliation for a week."""

    provider: Provider
    authority: Authority
    rules: Rules
    totals: Totals = field(default_factory=Totals)
    clients: dict[int, ClientWeek] = field(default_factory=dict)


@dataclass
class Reconciliation:
    """A week's figures for every provider in scope."""

    week: FinanceWeek
    providers: list[ProviderWeek]
    totals: Totals


async def reconcile(session: AsyncSession, scope: TenantScope, week: FinanceWeek, *, provider_id: int | None = None,
                    late_tolerance_minutes: int = 30) -> Reconciliation:
    """Planned, delivered and billable figures per provider and client for a week."""
    providers = await ProviderDirectory(session, scope).list(provider_id)
    result = Reconciliation(week=week, providers=[], totals=Totals())
    rules_cache: dict[int, Rules] = {}
    for provider, authority in providers:
        assert provider.id is not None and authority.id is not None
        if authority.id not in rules_cache:
            rules_cache[authority.id] = await rules_for(session, authority.id, week, late_tolerance_minutes)
        line = ProviderWeek(provider=provider, authority=authority, rules=rules_cache[authority.id])
        names = dict((await session.execute(
            ClientRepository(session, scope).scoped(select(Client.id, Client.name)).where(Client.provider_id == provider.id)
        )).all())
        async for chunk in iter_billed(session, scope, week, line.rules, provider_id=provider.id):
            for visit in chunk:
                facts = visit.facts
                client = line.clients.get(facts.client_id)
                if client is None:
                    client = line.clients[facts.client_id] = ClientWeek(
                        facts.client_id, facts.client_ref, names.get(facts.client_id, "")
                    )
                client.totals.add(visit)
        for client in line.clients.values():
            line.totals.merge(client.totals)
        result.totals.merge(line.totals)
        result.providers.append(line)
    return result


@dataclass
class ClientDetail:
    """One client's week, visit by visit."""

    week: FinanceWeek
    provider: Provider
    authority: Authority
    client: Client
    rules: Rules
    visits: list[BilledVisit]
    totals: Totals


async def client_week(session: AsyncSession, scope: TenantScope, week: FinanceWeek, client_id: int,
                      late_tolerance_minutes: int = 30) -> ClientDetail | None:
    """A client's visits of the week after the rules; ``None`` when the client is not in scope."""
    client = await ClientRepository(session, scope).get(client_id)
    if client is None:
        return None
    found = await ProviderDirectory(session, scope).list(client.provider_id)
    if not found:
        return None
    provider, authority = found[0]
    assert authority.id is not None
    rules = await rules_for(session, authority.id, week, late_tolerance_minutes)
    visits: list[BilledVisit] = []
    totals = Totals()
    async for chunk in iter_billed(session, scope, week, rules, provider_id=client.provider_id, client_id=client_id):
        for visit in chunk:
            totals.add(visit)
            visits.append(visit)
    return ClientDetail(week, provider, authority, client, rules, visits, totals)


# ---------------------------------------------------------------- export batches


def file_reference(authority: Authority, provider: Provider, week: FinanceWeek, export_format: str, version: int) -> str:
    """The portal file reference, e.g. ``LCC-PRV001-20250105-C001`` (format letter, then version)."""
    return f"{authority.code[:16]}-{provider.code[:20]}-{week.ending:%Y%m%d}-{_FORMAT_LETTER[export_format]}{version:03d}"


@dataclass
class ExportTarget:
    """One provider's file within an export: its batch and the rules to bill by."""

    batch: ExportBatch
    provider: Provider
    authority: Authority
    rules: Rules


async def create_batch(sessionmaker: async_sessionmaker[AsyncSession], scope: TenantScope, provider: Provider,
                       authority: Authority, week: FinanceWeek, export_format: str, created_by: int | None) -> ExportBatch:
    """Record a new export version in its own committed transaction.

    Version and file reference come from the newest existing version; when two exports race,
    the unique file reference makes one fail and it retries with the next number, so a
    reference is never handed out twice.
    """
    assert provider.id is not None and authority.id is not None
    last_error: Exception | None = None
    for _attempt in range(25):
        async with sessionmaker() as session:
            repo = ExportBatchRepository(session, scope)
            previous = await repo.latest(provider.id, week.ending, export_format)
            version = previous.version + 1 if previous else 1
            batch = ExportBatch(
                provider_id=provider.id, authority_id=authority.id, week_ending=week.ending, format=export_format,
                file_reference=file_reference(authority, provider, week, export_format, version), version=version,
                supersedes_id=previous.id if previous else None, created_by=created_by,
            )
            try:
                await repo.add(batch)
                await session.commit()
                return batch
            except IntegrityError as exc:
                last_error = exc
                await session.rollback()
    raise RuntimeError(f"could not allocate a file reference: {last_error}")


async def prepare_export(sessionmaker: async_sessionmaker[AsyncSession], scope: TenantScope, week: FinanceWeek,
                         export_format: str, providers: Sequence[tuple[Provider, Authority]], created_by: int | None,
                         late_tolerance_minutes: int = 30) -> list[ExportTarget]:
    """Allocate a batch (new file reference) per provider before any byte is streamed."""
    if export_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {export_format!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    targets: list[ExportTarget] = []
    rules_cache: dict[int, Rules] = {}
    for provider, authority in providers:
        assert authority.id is not None
        if authority.id not in rules_cache:
            async with sessionmaker() as session:
                rules_cache[authority.id] = await rules_for(session, authority.id, week, late_tolerance_minutes)
        batch = await create_batch(sessionmaker, scope, provider, authority, week, export_format, created_by)
        targets.append(ExportTarget(batch, provider, authority, rules_cache[authority.id]))
    return targets


async def record_row_count(sessionmaker: async_sessionmaker[AsyncSession], scope: TenantScope, batch_id: int,
                           rows: int) -> None:
    """Store how many rows a finished export file held."""
    async with sessionmaker() as session:
        batch = await ExportBatchRepository(session, scope).get(batch_id)
        if batch is not None:
            batch.row_count = rows
            await session.commit()


def file_headers(targets: Sequence[ExportTarget]) -> list[FileHeader]:
    """What each provider's part of the file says about its batch."""
    return [
        FileHeader(
            file_reference=t.batch.file_reference, provider_ref=t.provider.code, provider_name=t.provider.name,
            authority_code=t.authority.code, week_ending=t.batch.week_ending, rules_version=t.rules.version,
            batch_id=t.batch.id,
        )
        for t in targets
    ]


async def stream_export(sessionmaker: async_sessionmaker[AsyncSession], scope: TenantScope, week: FinanceWeek,
                        export_format: str, targets: Sequence[ExportTarget],
                        totals: RunningTotals | None = None) -> AsyncIterator[bytes]:
    """The export file as UTF-8 chunks, read in its own session (independent of any request's lifetime).

    Row counts are stored on the batches once the last chunk has been produced.
    """
    totals = totals if totals is not None else RunningTotals()
    headers = file_headers(targets)

    async def parts() -> AsyncIterator[tuple[FileHeader, list[BilledVisit]]]:
        async with sessionmaker() as session:
            for target, header in zip(targets, headers):
                async for chunk in iter_billed(session, scope, week, target.rules, provider_id=target.provider.id):
                    yield header, chunk

    async for piece in write_async(export_format, parts(), headers, week.ending, totals):
        yield piece
    for header in headers:
        if header.batch_id is not None:
            await record_row_count(sessionmaker, scope, header.batch_id, totals.per_batch_rows.get(header.file_reference, 0))
