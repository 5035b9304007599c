"""The caseload worklist from kept signs: one query orders a hub's people, whatever their number.

Each open enrolment's signs (latest reading, the limits it and its trend crossed, when the next one is
due) are made from the raw readings and kept in ``caseload_sign``. Database triggers queue the person
whenever a reading or their enrolment changes, whoever writes it; the worklist (and the job
``telehealth.caseload``) first makes the queued people's signs again, so it is always right, not eventually
right. What depends on the clock (a reading too old to count, one overdue, a follow-up due) and open
alerts are worked out in the ordering query. ``domicare hub check`` (and its test) compares the kept
worklist with a recomputation from the raw readings.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.alerts.services import open_of_clients
from backend.domain.monitoring.vitals import readings_since
from backend.domain.people.repositories import ClientRepository
from backend.domain.telehealth.models import CaseloadSign, Enrolment
from backend.domain.telehealth.needs import (
    LOOKBACK,
    OVERDUE_GRACE,
    RAG_RANK,
    WEIGHT,
    Need,
    OpenAlert,
    Reading,
    SignState,
    need_at,
    sign_states,
)
from backend.domain.telehealth.repositories import (
    CaseloadChangeRepository,
    CaseloadSignRepository,
    EnrolmentRepository,
    InterventionRepository,
)
from backend.domain.telehealth.schemas import thresholds_of
from shared.enums import AlertKind, AlertSeverity, Rag
from shared.timekeeping import to_london, utc_now

REFRESH_BATCH = 500
"""People whose signs are made again per transaction."""


class CaseloadEntry(msgspec.Struct, frozen=True):
    """One open enrolment with the person's name and need."""

    enrolment: Enrolment
    name: str
    need: Need


def _scope(enrolments: Sequence[Enrolment]) -> TenantScope:
    """The providers holding these people's own records: what the hub reads them through."""
    return TenantScope(frozenset(e.provider_id for e in enrolments))


def _rank(rag: Rag | None) -> int | None:
    return None if rag is None else RAG_RANK[rag]


def _row(enrolment: Enrolment, state: SignState) -> dict[str, Any]:
    """A sign's state as its ``caseload_sign`` row."""
    rags = [rag for rag in (state.reading_rag, state.trend_rag) if rag is not None]
    due_at = None
    if state.expected_hours is not None and state.last_at is not None:
        due_at = state.last_at + timedelta(hours=state.expected_hours) + OVERDUE_GRACE
    return {"enrolment_id": enrolment.id, "sign": state.sign, "hub_id": enrolment.hub_id,
            "client_id": enrolment.client_id, "last_at": state.last_at,
            "last_epoch": state.last_at.timestamp() if state.last_at else None,
            "reading_rag": state.reading_rag, "reading_reason": state.reading_reason, "trend_rag": state.trend_rag,
            "trend_reason": state.trend_reason, "rank": min(map(RAG_RANK.__getitem__, rags), default=None),
            "weight": sum(WEIGHT[rag] for rag in rags), "expected_hours": state.expected_hours, "due_at": due_at}


def _state(row: CaseloadSign) -> SignState:
    return SignState(sign=row.sign, last_at=row.last_at, reading_rag=Rag(row.reading_rag) if row.reading_rag else None,
                     reading_reason=row.reading_reason, trend_rag=Rag(row.trend_rag) if row.trend_rag else None,
                     trend_reason=row.trend_reason, expected_hours=row.expected_hours)


async def _raw_states(session: AsyncSession, enrolments: Sequence[Enrolment], now: datetime) -> dict[int, list[SignState]]:
    """Each enrolment's sign states made from the person's raw readings."""
    readings = await readings_since(session, _scope(enrolments), [e.client_id for e in enrolments], now - LOOKBACK)
    return {e.id or 0: sign_states([Reading(str(sign), value, at) for sign, value, at in readings.get(e.client_id, [])],
                                   thresholds_of(e), e.schedule)
            for e in enrolments}


async def refresh(session: AsyncSession, now: datetime | None = None) -> int:
    """Make the signs of every queued person again from their raw readings, committing batch by batch; how many
    people were made."""
    now = now or utc_now()
    changes, made = CaseloadChangeRepository(session), 0
    while True:
        newest, client_ids = await changes.pending(REFRESH_BATCH)
        if not client_ids:
            return made
        enrolments = await EnrolmentRepository(session, None).open_of_clients(client_ids)
        states = await _raw_states(session, enrolments, now)
        await CaseloadSignRepository(session, None).replace(
            client_ids, [_row(e, state) for e in enrolments for state in states[e.id or 0]])
        await changes.forget(client_ids, newest)
        await session.commit()
        made += len(client_ids)


async def _details(session: AsyncSession, hub_id: int | None, enrolments: Sequence[Enrolment],
                   now: datetime) -> tuple[dict[int, str], dict[int, list[OpenAlert]], dict[int, list[str]]]:
    """Names by client, open vitals alerts by client and due follow-ups by enrolment, of these enrolments."""
    scope, client_ids = _scope(enrolments), [e.client_id for e in enrolments]
    names = await ClientRepository(session, scope).names_of(client_ids) if client_ids else {}
    follow_ups: dict[int, list[str]] = {}
    for due in await InterventionRepository(session, hub_id).due([e.id for e in enrolments if e.id],
                                                                 to_london(now).date()):
        follow_ups.setdefault(due.enrolment_id, []).append(
            f"{due.follow_up_on:%d %b} after {due.kind.replace('_', ' ')} ({due.outcome})")
    alerts: dict[int, list[OpenAlert]] = {}
    for alert in await open_of_clients(session, scope, client_ids, (AlertKind.VITALS,)):
        assert alert.client_id is not None
        alerts.setdefault(alert.client_id, []).append(OpenAlert(AlertSeverity(alert.severity), alert.message))
    return names, alerts, follow_ups


def _entries(enrolments: Sequence[Enrolment], states: dict[int, list[SignState]], names: dict[int, str],
             alerts: dict[int, list[OpenAlert]], follow_ups: dict[int, list[str]], now: datetime) -> list[CaseloadEntry]:
    return [CaseloadEntry(row, names.get(row.client_id, ""),
                          need_at(states.get(row.id or 0, []), row.schedule, alerts.get(row.client_id, []),
                                  follow_ups.get(row.id or 0, []), now))
            for row in enrolments]


async def needs_of(session: AsyncSession, hub_id: int, enrolments: Sequence[Enrolment], now: datetime) -> list[CaseloadEntry]:
    """Each open enrolment's need now, recomputed from the person's raw readings, open alerts and due follow-ups."""
    states = await _raw_states(session, enrolments, now)
    return _entries(enrolments, states, *await _details(session, hub_id, enrolments, now), now)


def order_key(entry: CaseloadEntry) -> tuple[int, float, str, int]:
    """The worklist's order: colour, then score (highest first), then name, then enrolment."""
    return RAG_RANK[entry.need.rag], -entry.need.score, entry.name, entry.enrolment.id or 0


def _filters(conditions: Collection[str], clinician_id: int | None) -> list[Any]:
    filters: list[Any] = []
    if conditions:
        filters.append(Enrolment.condition.in_(conditions))  # type: ignore[attr-defined]
    if clinician_id is not None:
        filters.append(Enrolment.clinician_id == clinician_id)
    return filters


async def _ranking(session: AsyncSession, hub_id: int, now: datetime) -> tuple[CaseloadSignRepository, tuple[Any, ...]]:
    """The hub's kept signs made current, and the ranking query's arguments at ``now`` (the day, open alerts, names)."""
    await refresh(session, now)
    scope = TenantScope(await EnrolmentRepository(session, hub_id).open_providers())
    return CaseloadSignRepository(session, hub_id), (
        now, to_london(now).date(), AlertRepository(session, scope).open_counts((AlertKind.VITALS,)),
        ClientRepository(session, scope).names_table())


async def worklist(session: AsyncSession, hub_id: int, now: datetime, *, conditions: Collection[str] = (),
                   clinician_id: int | None = None, rag: Rag | None = None, limit: int | None = None,
                   offset: int = 0) -> tuple[list[CaseloadEntry], int]:
    """One page of the hub's open enrolments (optionally of some conditions, one clinician or one colour), most
    urgent first, and how many there are in all; the queued people's signs are made first."""
    signs, arguments = await _ranking(session, hub_id, now)
    filters = _filters(conditions, clinician_id)
    return await _page(session, hub_id, now, signs, arguments, filters, rag, limit, offset)


async def colour_counts(session: AsyncSession, hub_id: int, now: datetime, *, conditions: Collection[str] = (),
                        clinician_id: int | None = None) -> dict[Rag, int]:
    """How many of the hub's open enrolments (optionally of some conditions or one clinician) are red, amber and
    green now, in one query (for the worklist's colour filter)."""
    signs, arguments = await _ranking(session, hub_id, now)
    return await _counts(signs, arguments, _filters(conditions, clinician_id))


async def worklist_and_counts(session: AsyncSession, hub_id: int, now: datetime, *, conditions: Collection[str] = (),
                              clinician_id: int | None = None, rag: Rag | None = None, limit: int | None = None,
                              offset: int = 0) -> tuple[list[CaseloadEntry], int, dict[Rag, int]]:
    """The caseload page's data: ``worklist``'s page and total, and ``colour_counts`` before the colour filter,
    with the signs made current once for both."""
    signs, arguments = await _ranking(session, hub_id, now)
    filters = _filters(conditions, clinician_id)
    entries, total = await _page(session, hub_id, now, signs, arguments, filters, rag, limit, offset)
    return entries, total, await _counts(signs, arguments, filters)


async def _page(session: AsyncSession, hub_id: int, now: datetime, signs: CaseloadSignRepository,
                arguments: tuple[Any, ...], filters: list[Any], rag: Rag | None, limit: int | None,
                offset: int) -> tuple[list[CaseloadEntry], int]:
    page, total = await signs.worklist(*arguments, filters=filters, rank=_rank(rag), limit=limit, offset=offset)
    by_id = await EnrolmentRepository(session, hub_id).by_ids([enrolment_id for enrolment_id, _rank in page])
    enrolments = [by_id[enrolment_id] for enrolment_id, _rank in page]
    states: dict[int, list[SignState]] = {}
    for row in await signs.of_enrolments(list(by_id)):
        states.setdefault(row.enrolment_id, []).append(_state(row))
    return _entries(enrolments, states, *await _details(session, hub_id, enrolments, now), now), total


async def _counts(signs: CaseloadSignRepository, arguments: tuple[Any, ...], filters: list[Any]) -> dict[Rag, int]:
    counts = await signs.rank_counts(*arguments, filters=filters)
    return {rag: counts.get(rank, 0) for rag, rank in RAG_RANK.items()}


async def check(session: AsyncSession, now: datetime) -> list[str]:
    """Where each hub's kept worklist differs from one recomputed from the raw readings at ``now``: order, colour,
    reasons or last reading (an empty list when they agree)."""
    await refresh(session, now)
    differences = []
    for hub_id in sorted({e.hub_id for e in await EnrolmentRepository(session, None).open()}):
        kept, _total = await worklist(session, hub_id, now)
        recomputed = sorted(await needs_of(session, hub_id, await EnrolmentRepository(session, hub_id).open(), now),
                            key=order_key)
        if len(kept) != len(recomputed):
            differences.append(f"hub {hub_id}: {len(kept)} people kept, {len(recomputed)} recomputed")
        for place, (mine, theirs) in enumerate(zip(kept, recomputed)):
            if mine.enrolment.id != theirs.enrolment.id:
                differences.append(f"hub {hub_id} place {place + 1}: kept enrolment {mine.enrolment.id}, "
                                   f"recomputed {theirs.enrolment.id}")
            elif (mine.need.rag, mine.need.reasons, mine.need.last_reading_at) != \
                    (theirs.need.rag, theirs.need.reasons, theirs.need.last_reading_at):
                differences.append(f"hub {hub_id} enrolment {mine.enrolment.id}: kept {mine.need} != "
                                   f"recomputed {theirs.need}")
    return differences
