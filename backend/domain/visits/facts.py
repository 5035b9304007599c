"""What happened on each visit of a period, as plain facts: assignments, first check-in, last check-out,
approved amendments. Billing (the finance area) reads these instead of the visits tables.

Facts come a chunk of visits at a time, so a city-size week streams in bounded memory.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.people.repositories import CarerRepository, ClientRepository
from backend.domain.visits.repositories import (
    AmendmentRepository,
    VisitAssignmentRepository,
    VisitEventRepository,
    VisitRepository,
)

VISITS_PER_CHUNK = 4_000


class Check(msgspec.Struct, kw_only=True):
    """One check-in or check-out as evidenced by the device (never coordinates)."""

    at: datetime
    method: str | None = None
    verified: bool | None = None
    reason: str | None = None
    review_state: str | None = None


class CarerFacts(msgspec.Struct, kw_only=True):
    """What is known of one carer on one visit."""

    carer_id: int | None
    carer_ref: str = ""
    assigned: bool = True
    check_in: Check | None = None
    check_out: Check | None = None


class AmendmentFacts(msgspec.Struct, kw_only=True):
    """An approved amendment, in the order it was decided."""

    id: int
    reason_code: str
    changes: dict[str, Any]
    created_at: datetime
    decided_at: datetime | None = None


class VisitFacts(msgspec.Struct, kw_only=True):
    """Everything billing needs about one visit."""

    visit_id: int
    provider_id: int
    client_id: int
    client_ref: str
    service_type: str
    visit_date: date
    planned_start: datetime
    planned_end: datetime
    carers_needed: int
    status: str
    cancel_reason: str | None = None
    carers: list[CarerFacts] = msgspec.field(default_factory=list)
    amendments: list[AmendmentFacts] = msgspec.field(default_factory=list)


async def iter_visit_facts(session: AsyncSession, scope: TenantScope, start: date, ending: date, *,
                           provider_id: int | None = None, client_id: int | None = None) -> AsyncIterator[list[VisitFacts]]:
    """The visits between two days (inclusive) as facts, a chunk at a time, by client, start and id.

    On PostgreSQL the visits, their assignments and their checks stream from three server-side
    cursors sorted alike and are merged here (the database sorts each once, instead of looking up
    every chunk's rows by id); SQLite reads the ids at once and each chunk's facts by id. Either way
    only a chunk is held in memory.
    """
    client_refs = await ClientRepository(session, scope).refs(provider_id)
    carer_refs = await CarerRepository(session, scope).refs(provider_id)
    if session.get_bind().dialect.name == "postgresql":
        async for chunk in _streamed_facts(session, scope, start, ending, provider_id, client_id, client_refs, carer_refs):
            yield chunk
        return
    ids = await VisitRepository(session, scope).ids_between(start, ending, provider_id=provider_id, client_id=client_id)
    for first in range(0, len(ids), VISITS_PER_CHUNK):
        yield await _facts_of(session, scope, ids[first : first + VISITS_PER_CHUNK], client_refs, carer_refs)


class _SortedRows:
    """A stream of row batches sorted like the visits (rows led by client, planned start and visit id), handed
    out a visit chunk at a time."""

    def __init__(self, batches: AsyncIterator[Sequence[Any]]) -> None:
        self.batches = batches
        self.rows: Sequence[Any] = ()
        self.index = 0
        self.ended = False

    async def prime(self) -> None:
        """Read the first batch (the database sorts the whole stream for it)."""
        self.rows = await anext(self.batches, ())
        self.ended = not self.rows

    async def until(self, last: tuple[int, datetime, int]) -> list[Any]:
        """The rows up to and including those of the visit keyed ``last`` (client, planned start, id)."""
        taken: list[Any] = []
        while True:
            rows, index = self.rows, self.index
            while index < len(rows):
                row = rows[index]
                if (row[0], row[1], row[2]) > last:
                    self.index = index
                    return taken
                taken.append(row)
                index += 1
            self.index = index
            if self.ended:
                return taken
            try:
                self.rows, self.index = await anext(self.batches), 0
            except StopAsyncIteration:
                self.ended = True


async def _streamed_facts(session: AsyncSession, scope: TenantScope, start: date, ending: date, provider_id: int | None,
                          client_id: int | None, client_refs: dict[int, str],
                          carer_refs: dict[int, str]) -> AsyncIterator[list[VisitFacts]]:
    """:func:`iter_visit_facts` on PostgreSQL: three sorted streams merged by visit."""
    where = {"provider_id": provider_id, "client_id": client_id}
    plans = VisitRepository(session, scope).plan_batches(start, ending, VISITS_PER_CHUNK, **where)
    pair_batches = VisitAssignmentRepository(session, scope).pair_batches(start, ending, VISITS_PER_CHUNK, **where)
    check_batches = VisitEventRepository(session, scope).check_batches(start, ending, 2 * VISITS_PER_CHUNK, **where)
    pairs, checks = _SortedRows(pair_batches), _SortedRows(check_batches)
    try:
        # The three sorts run at once in the database (on as many cores), before the first chunk.
        batch, _, _ = await asyncio.gather(anext(plans, None), pairs.prime(), checks.prime())
        while batch is not None:
            last = (batch[-1].client_id, batch[-1].planned_start, batch[-1].id)
            pair_rows, check_rows = await pairs.until(last), await checks.until(last)
            carers_of = _carers_from((row[2:] for row in pair_rows), (row[2:] for row in check_rows), carer_refs)
            amendments_of = await _amendments_of(session, scope, [row.id for row in batch])
            yield _facts_from(batch, carers_of, amendments_of, client_refs)
            batch = await anext(plans, None)
    finally:  # the cursors' connections go back to the pool even when the reader stops early
        await plans.aclose()  # type: ignore[attr-defined]
        await pair_batches.aclose()  # type: ignore[attr-defined]
        await check_batches.aclose()  # type: ignore[attr-defined]


async def visit_facts_of(session: AsyncSession, scope: TenantScope, visit_ids: Collection[int]) -> list[VisitFacts]:
    """These visits as facts (those that exist in scope), by client, start and id; references left empty."""
    return await _facts_of(session, scope, list(visit_ids), {}, {})


async def _facts_of(session: AsyncSession, scope: TenantScope, visits: Collection[int], client_refs: dict[int, str],
                    carer_refs: dict[int, str]) -> list[VisitFacts]:
    """The facts of some visits: four queries."""
    carers_of = _carers_from(await VisitAssignmentRepository(session, scope).pairs_of(visits),
                             await VisitEventRepository(session, scope).check_rows_of(visits), carer_refs)
    amendments_of = await _amendments_of(session, scope, visits)
    return _facts_from(await VisitRepository(session, scope).plans_of(visits), carers_of, amendments_of, client_refs)


def _facts_from(plans: Iterable[Any], carers_of: dict[int, dict[int, CarerFacts]],
                amendments_of: dict[int, list[AmendmentFacts]], client_refs: dict[int, str]) -> list[VisitFacts]:
    """Visit facts from plan rows (id, provider, client, date, planned start and end, carers needed, status, cancel
    reason, service type), their carers and their approved amendments."""
    return [
        VisitFacts(
            visit_id=row[0], provider_id=row[1], client_id=row[2], client_ref=client_refs.get(row[2], ""),
            visit_date=row[3], planned_start=row[4], planned_end=row[5], carers_needed=row[6], status=str(row[7]),
            cancel_reason=row[8], service_type=row[9] or "personal_care",
            carers=list(carers_of.get(row[0], {}).values()), amendments=amendments_of.get(row[0], []),
        )
        for row in plans
    ]


def _carers_from(pairs: Iterable[Any], checks: Iterable[Any], carer_refs: dict[int, str]) -> dict[int, dict[int, CarerFacts]]:
    """Per visit, its assigned carers (``(visit, carer)`` in assignment order) and anyone else who checked in, with
    the first check-in and last check-out (check rows in device-time order: visit, carer, kind, device time,
    method, verified, reason, review state)."""
    carers_of: dict[int, dict[int, CarerFacts]] = defaultdict(dict)
    for visit_id, carer_id in pairs:
        carers_of[visit_id][carer_id] = CarerFacts(carer_id=carer_id, carer_ref=carer_refs.get(carer_id, ""))
    for visit_id, carer_id, kind, at, method, verified, reason, review in checks:
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
    return carers_of


async def _amendments_of(session: AsyncSession, scope: TenantScope,
                         visits: Collection[int]) -> dict[int, list[AmendmentFacts]]:
    amendments_of: dict[int, list[AmendmentFacts]] = defaultdict(list)
    for a_id, visit_id, reason_code, changes, created_at, decided_at in await AmendmentRepository(
        session, scope
    ).approved_rows_of(visits):
        amendments_of[visit_id].append(AmendmentFacts(
            id=a_id, reason_code=reason_code, changes=changes or {}, created_at=created_at, decided_at=decided_at,
        ))
    return amendments_of
