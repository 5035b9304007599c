"""A person's visits and case notes as the person, their family or a hub clinician sees them.

Carers appear by first name only; no location or verification detail is included. Case notes
are a separate call: only notes, never concerns (safeguarding stays with the agency), and never a
note its carer marked confidential.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.visits.models import Visit
from backend.domain.people.models import Carer
from backend.domain.people.repositories import CarerRepository
from backend.domain.visits.repositories import VisitAssignmentRepository, VisitEventRepository, VisitRepository
from shared.enums import VisitEventKind, VisitStatus


class VisitSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One visit: planned times (UTC), its state, the carers' first names and the planned tasks."""

    id: int
    date: date
    planned_start: datetime
    planned_end: datetime
    status: VisitStatus
    carers: list[str]
    tasks: list[str]


class SharedNote(msgspec.Struct, frozen=True, kw_only=True):
    """A carer's case note that may be shown outside the agency."""

    visit_id: int
    at: datetime
    carer: str
    text: str


def first_name(full_name: str) -> str:
    """The first word of a name, all a person outside the agency needs."""
    return full_name.split()[0] if full_name.strip() else ""


async def visits_of(session: AsyncSession, scope: TenantScope, client_id: int, start: date,
                    ending: date) -> Sequence[VisitSummary]:
    """The client's visits between two days (inclusive), in planned order."""
    visits = await VisitRepository(session, scope).list(
        Visit.client_id == client_id, Visit.visit_date >= start, Visit.visit_date <= ending,
        order_by=(Visit.planned_start, Visit.id))
    carers: dict[int, list[str]] = {}
    if visits:
        for visit_id, carer in await VisitAssignmentRepository(session, scope).carers_of([v.id for v in visits if v.id]):
            carers.setdefault(visit_id, []).append(first_name(carer.name))
    return [VisitSummary(id=v.id or 0, date=v.visit_date, planned_start=v.planned_start, planned_end=v.planned_end,
                         status=VisitStatus(v.status), carers=carers.get(v.id or 0, []),
                         tasks=[str(task.get("label", "")) for task in v.tasks])
            for v in visits]


async def shareable_notes(session: AsyncSession, scope: TenantScope, client_id: int, start: date,
                          ending: date) -> Sequence[SharedNote]:
    """The client's case notes from visits between two days, newest first, without confidential ones."""
    visits = await VisitRepository(session, scope).list(
        Visit.client_id == client_id, Visit.visit_date >= start, Visit.visit_date <= ending)
    if not visits:
        return []
    events = await VisitEventRepository(session, scope).of_kinds([v.id for v in visits if v.id], [VisitEventKind.NOTE])
    names = {carer.id: first_name(carer.name) for carer in await CarerRepository(session, scope).list(
        Carer.id.in_({event.carer_id for event in events}))} if events else {}  # type: ignore[union-attr]
    notes = [SharedNote(visit_id=e.visit_id, at=e.device_time, carer=names.get(e.carer_id, ""),
                        text=str(e.payload.get("text", "")))
             for e in events if not e.payload.get("confidential")]
    return sorted(notes, key=lambda note: note.at, reverse=True)
