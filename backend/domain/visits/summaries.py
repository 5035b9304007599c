"""A person's visits as the person, their family or a hub clinician sees them: when, who, what, how it went.

Carers appear by first name only; no case-note text, location or verification detail is included,
so the same summary can go to anyone allowed to see the person's visits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.visits.models import Visit
from backend.domain.visits.repositories import VisitAssignmentRepository, VisitRepository
from shared.enums import VisitStatus


class VisitSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One visit: planned times (UTC), its state, the carers' first names and the planned tasks."""

    id: int
    date: date
    planned_start: datetime
    planned_end: datetime
    status: VisitStatus
    carers: list[str]
    tasks: list[str]


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
