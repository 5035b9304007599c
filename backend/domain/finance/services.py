"""Finance services: bill a week's visit facts (read from the visits area) chunk by chunk, reconcile,
and record export batches.

Every read goes through tenant-scoped repositories, so a provider admin only ever
sees their own provider and a commissioner the providers of their authority.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.database.tenancy import TenantScope
from backend.domain.accounts.models import Authority, Provider
from backend.domain.finance.billing import BilledVisit, Rules, Totals, bill_visit, rules_from_row
from backend.domain.finance import prepared
from backend.domain.finance.exports import FileHeader, RunningTotals, write_async
from backend.domain.finance.models import ExportBatch, PaymentRule
from backend.domain.finance.repositories import ExportBatchRepository, PaymentRuleRepository, ProviderDirectory
from backend.domain.finance.weeks import FinanceWeek
from backend.domain.people.models import Client
from backend.domain.people.repositories import ClientRepository
from backend.domain.visits.facts import iter_visit_facts

EXPORT_FORMATS = ("abacus-csv", "evv-json")
_FORMAT_LETTER = {"abacus-csv": "C", "evv-json": "J"}


# ---------------------------------------------------------------- payment rules

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


# ---------------------------------------------------------------- billed visits


async def iter_billed(session: AsyncSession, scope: TenantScope, week: FinanceWeek, rules: Rules, *,
                      provider_id: int | None = None, client_id: int | None = None) -> AsyncIterator[list[BilledVisit]]:
    """The week's visits after the rules, chunk by chunk."""
    async for chunk in iter_visit_facts(session, scope, week.start, week.ending, provider_id=provider_id, client_id=client_id):
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
    """Planned, delivered and billable figures per provider and client for a week, summed from the prepared
    per-visit figures (made current first; see :mod:`backend.domain.finance.prepared`)."""
    rows = await prepared.sums(session, scope, week.start, week.ending, ("client_id",), late_tolerance_minutes,
                               provider_id=provider_id)
    by_provider: dict[int, list[prepared.Sum]] = defaultdict(list)
    for row in rows:
        by_provider[row.provider_id].append(row)
    book = prepared.RulesBook(session, late_tolerance_minutes)
    result = Reconciliation(week=week, providers=[], totals=Totals())
    for provider, authority in await ProviderDirectory(session, scope).list(provider_id):
        assert provider.id is not None
        line = ProviderWeek(provider=provider, authority=authority, rules=await book.rules(provider.id, week.start))
        found = sorted(by_provider.get(provider.id, []), key=lambda row: row.key[0])  # type: ignore[arg-type, return-value]
        if found:
            clients = ClientRepository(session, scope)
            refs, names = await clients.refs(provider.id), await clients.names(provider.id)
            for row in found:
                client_id = int(row.key[0])  # type: ignore[call-overload]
                line.clients[client_id] = ClientWeek(client_id, refs.get(client_id, ""), names.get(client_id, ""),
                                                     row.totals)
                line.totals.merge(row.totals)
        result.totals.merge(line.totals)
        result.providers.append(line)
    return result


async def reconcile_from_record(session: AsyncSession, scope: TenantScope, week: FinanceWeek, *,
                                provider_id: int | None = None, late_tolerance_minutes: int = 30) -> Reconciliation:
    """The same figures as :func:`reconcile`, billed afresh visit by visit from the raw record (the check's reference)."""
    providers = await ProviderDirectory(session, scope).list(provider_id)
    result = Reconciliation(week=week, providers=[], totals=Totals())
    rules_cache: dict[int, Rules] = {}
    for provider, authority in providers:
        assert provider.id is not None and authority.id is not None
        if authority.id not in rules_cache:
            rules_cache[authority.id] = await rules_for(session, authority.id, week, late_tolerance_minutes)
        line = ProviderWeek(provider=provider, authority=authority, rules=rules_cache[authority.id])
        names = await ClientRepository(session, scope).names(provider.id)
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


async def trend(session: AsyncSession, scope: TenantScope, weeks: Sequence[FinanceWeek], late_tolerance_minutes: int, *,
                provider_id: int | None = None, client_id: int | None = None) -> list[tuple[FinanceWeek, Totals]]:
    """A provider's or a client's figures week by week (consecutive weeks, oldest first) from the prepared figures."""
    days = await prepared.sums(session, scope, weeks[0].start, weeks[-1].ending, ("visit_date",), late_tolerance_minutes,
                               provider_id=provider_id, client_id=client_id)
    totals = prepared.by_week(days)
    return [(week, totals.get(week.ending, Totals())) for week in weeks]


async def check_prepared(session: AsyncSession, scope: TenantScope, week: FinanceWeek, *,
                         provider_id: int | None = None, late_tolerance_minutes: int = 30) -> list[str]:
    """Where a week's prepared figures differ from a recomputation from the raw record, per provider and client
    (an empty list when every figure is equal)."""
    made = await reconcile(session, scope, week, provider_id=provider_id, late_tolerance_minutes=late_tolerance_minutes)
    record = await reconcile_from_record(session, scope, week, provider_id=provider_id,
                                         late_tolerance_minutes=late_tolerance_minutes)
    differences = []
    for ours, theirs in zip(made.providers, record.providers, strict=True):
        code = ours.provider.code
        if ours.totals != theirs.totals:
            differences.append(f"{code}: prepared {ours.totals} != recomputed {theirs.totals}")
        for client_id in sorted(set(ours.clients) | set(theirs.clients)):
            mine, other = ours.clients.get(client_id), theirs.clients.get(client_id)
            if mine is None or other is None or (mine.totals, mine.client_ref) != (other.totals, other.client_ref):
                differences.append(f"{code} client {client_id}: prepared {mine} != recomputed {other}")
    return differences


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
