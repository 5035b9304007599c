"""What happened on each visit of a period, as plain facts: assignments, first check-in, last check-out,
approved amendments. Billing (the finance area) reads these instead of the visits tables.

Facts come a chunk of visits at a time, so a city-size week streams in bounded memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Collection
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

    The visits' ids stream (a server-side cursor on PostgreSQL) and each chunk's facts cost four
    queries by id, so only a chunk is ever held in memory.
    """
    client_refs = await ClientRepository(session, scope).refs(provider_id)
    carer_refs = await CarerRepository(session, scope).refs(provider_id)
    chunks = VisitRepository(session, scope).id_chunks_between(start, ending, VISITS_PER_CHUNK, provider_id=provider_id,
                                                               client_id=client_id)
    async for ids in chunks:
        yield await _facts_of(session, scope, ids, client_refs, carer_refs)


async def visit_facts_of(session: AsyncSession, scope: TenantScope, visit_ids: Collection[int]) -> list[VisitFacts]:
    """These visits as facts (those that exist in scope), by client, start and id; references left empty."""
    return await _facts_of(session, scope, list(visit_ids), {}, {})


async def _facts_of(session: AsyncSession, scope: TenantScope, visits: Collection[int], client_refs: dict[int, str],
                    carer_refs: dict[int, str]) -> list[VisitFacts]:
    """The facts of some visits: four queries."""
    carers_of = await _carers_of(session, scope, visits, carer_refs)
    amendments_of = await _amendments_of(session, scope, visits)
    return [
        VisitFacts(
            visit_id=row[0], provider_id=row[1], client_id=row[2], client_ref=client_refs.get(row[2], ""),
            visit_date=row[3], planned_start=row[4], planned_end=row[5], carers_needed=row[6], status=str(row[7]),
            cancel_reason=row[8], service_type=row[9] or "personal_care",
            carers=list(carers_of.get(row[0], {}).values()), amendments=amendments_of.get(row[0], []),
        )
        for row in await VisitRepository(session, scope).plans_of(visits)
    ]


async def _carers_of(session: AsyncSession, scope: TenantScope, visits: Collection[int],
                     carer_refs: dict[int, str]) -> dict[int, dict[int, CarerFacts]]:
    """Per visit, its assigned carers and anyone else who checked in, with the first check-in and last check-out."""
    carers_of: dict[int, dict[int, CarerFacts]] = defaultdict(dict)
    for visit_id, carer_id in await VisitAssignmentRepository(session, scope).pairs_of(visits):
        carers_of[visit_id][carer_id] = CarerFacts(carer_id=carer_id, carer_ref=carer_refs.get(carer_id, ""))
    rows = await VisitEventRepository(session, scope).check_rows_of(visits)
    for visit_id, carer_id, kind, at, method, verified, reason, review in rows:
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
