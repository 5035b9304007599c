"""Prepared billing figures: each visit's reconciliation figures kept in ``billing_fact``, so a week, a
provider's week or an 8-week trend is a sum over stored rows instead of a re-billing of every visit.

They are always right, not eventually right:

- database triggers queue every visit whose billing may change (its plan or status, an assignment,
  a check-in or check-out and its review, an amendment), whoever writes it (migration 0027);
- every read first prepares the queued visits of its own days (:func:`refresh`), then checks that
  each row it sums was made under the rules in force: a new payment rule version, another late
  tolerance or a change of the billing logic itself (:data:`FIGURES_VERSION`) re-prepares the
  visits concerned before the sum is taken;
- the job ``finance.prepare_figures`` drains the queue every minute, so reads rarely find work, and
  ``domicare finance check`` (and its test) compares the figures with a recomputation from the raw record.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.finance.billing import Rules, Totals, bill_visit, rules_from_row
from backend.domain.finance.repositories import (
    FIGURES,
    BillingChangeRepository,
    BillingFactRepository,
    PaymentRuleRepository,
    ProviderDirectory,
)
from backend.domain.finance.weeks import FinanceWeek
from backend.domain.visits.facts import visit_facts_of
from shared.timekeeping import week_ending

FIGURES_VERSION = 1  # bump whenever bill_visit or Totals.add count differently: every row is then made again
REFRESH_BATCH = 5_000  # queued changes prepared per transaction
VISITS_PER_READ = 1_000  # visits whose raw record is read at once

SYSTEM = TenantScope.system()


def rules_key(rules: Rules) -> str:
    """A short name for the rules (and billing logic) figures were made with."""
    return f"{FIGURES_VERSION}-{zlib.crc32(msgspec.json.encode(rules)):08x}"


class RulesBook:
    """The rules in force per provider and week, each looked up once."""

    def __init__(self, session: AsyncSession, late_tolerance_minutes: int) -> None:
        self.session = session
        self.late_tolerance_minutes = late_tolerance_minutes
        self._authority_of: dict[int, int] | None = None
        self._rules: dict[tuple[int, date], Rules] = {}

    async def rules(self, provider_id: int, day: date) -> Rules:
        """The rules billing a provider's visit on ``day``."""
        if self._authority_of is None:
            self._authority_of = {p.id or 0: a.id or 0 for p, a in await ProviderDirectory(self.session, SYSTEM).list()}
        week = FinanceWeek(week_ending(day))
        key = (self._authority_of.get(provider_id, 0), week.ending)
        rules = self._rules.get(key)
        if rules is None:
            row = await PaymentRuleRepository(self.session, key[0]).in_force(week.start)
            rules = self._rules[key] = rules_from_row(row, self.late_tolerance_minutes)
        return rules


async def prepare(session: AsyncSession, book: RulesBook, as_of: dict[int, int]) -> None:
    """Bill these visits from their raw record and store their figures (``as_of``: visit -> newest change seen);
    visits that no longer exist lose theirs."""
    facts_repo = BillingFactRepository(session, SYSTEM)
    ids = list(as_of)
    for first in range(0, len(ids), VISITS_PER_READ):
        group = ids[first : first + VISITS_PER_READ]
        rows = []
        for facts in await visit_facts_of(session, SYSTEM, group):
            rules = await book.rules(facts.provider_id, facts.visit_date)
            totals = Totals()
            totals.add(bill_visit(facts, rules))
            rows.append({"visit_id": facts.visit_id, "provider_id": facts.provider_id, "client_id": facts.client_id,
                         "visit_date": facts.visit_date, "rules_key": rules_key(rules), "as_of": as_of[facts.visit_id],
                         **msgspec.structs.asdict(totals)})
        await facts_repo.upsert(rows)
        gone = set(group) - {row["visit_id"] for row in rows}
        if gone:
            await facts_repo.remove(gone)


async def refresh(session: AsyncSession, scope: TenantScope, start: date, ending: date, book: RulesBook) -> int:
    """Prepare every queued visit of the scope's providers on days between ``start`` and ``ending`` (its old or
    new day), committing batch by batch; how many visits were prepared."""
    changes = BillingChangeRepository(session, scope)
    prepared = 0
    while True:
        pending = await changes.pending(start, ending, REFRESH_BATCH)
        if not pending:
            return prepared
        as_of: dict[int, int] = {}
        for change_id, visit_id in pending:
            as_of[visit_id] = max(change_id, as_of.get(visit_id, 0))
        await prepare(session, book, as_of)
        await changes.forget([row[0] for row in pending])
        await session.commit()
        prepared += len(as_of)
        if len(pending) < REFRESH_BATCH:
            return prepared


class Sum(msgspec.Struct, frozen=True):
    """Summed figures of one group: its ``by`` values and provider."""

    key: tuple[object, ...]
    provider_id: int
    totals: Totals


async def sums(session: AsyncSession, scope: TenantScope, start: date, ending: date, by: Sequence[str],
               late_tolerance_minutes: int, *, provider_id: int | None = None,
               client_id: int | None = None) -> list[Sum]:
    """The prepared figures between two days summed per ``by`` columns and provider, made current first.

    A range longer than one finance week must group by ``visit_date`` (rules are per week).
    """
    book = RulesBook(session, late_tolerance_minutes)
    await refresh(session, scope, start, ending, book)
    facts = BillingFactRepository(session, scope)
    for _attempt in range(2):
        rows = await facts.sums(start, ending, by, provider_id=provider_id, client_id=client_id)
        stale = await _stale(rows, by, start, book)
        if not stale:
            break
        await _reprepare(session, book, stale)
    width = len(by)
    return [
        Sum(key=tuple(row[:width]), provider_id=row[width],
            totals=Totals(**{name: int(value or 0) for name, value in zip(FIGURES, row[width + 2 :])}))
        for row in rows
    ]


async def _stale(rows: Sequence[object], by: Sequence[str], start: date, book: RulesBook) -> dict[tuple[int, date], str]:
    """(provider, week ending) -> the rules key it should have, for every summed group made under other rules."""
    day_at = list(by).index("visit_date") if "visit_date" in by else None
    width = len(by)
    stale: dict[tuple[int, date], str] = {}
    for row in rows:
        values = tuple(row)  # type: ignore[arg-type]
        provider_id, key = values[width], values[width + 1]
        day = values[day_at] if day_at is not None else start
        expected = rules_key(await book.rules(provider_id, day))
        if key != expected:
            stale[(provider_id, week_ending(day))] = expected
    return stale


async def _reprepare(session: AsyncSession, book: RulesBook, stale: dict[tuple[int, date], str]) -> None:
    """Make the figures of whole provider-weeks again under the rules now in force."""
    facts = BillingFactRepository(session, SYSTEM)
    for (provider_id, ending), expected in stale.items():
        week = FinanceWeek(ending)
        rows = await facts.keyed_other_than(provider_id, week.start, week.ending, expected)
        await prepare(session, book, {visit_id: as_of for visit_id, as_of in rows})
    await session.commit()


def by_week(days: Collection[Sum]) -> dict[date, Totals]:
    """Daily sums (grouped by ``visit_date`` first) folded into finance weeks, by week ending."""
    weeks: dict[date, Totals] = defaultdict(Totals)
    for row in days:
        weeks[week_ending(row.key[0])].merge(row.totals)  # type: ignore[arg-type]
    return dict(weeks)
