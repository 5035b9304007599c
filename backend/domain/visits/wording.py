"""Visits in words a coordinator reads at a glance: the client, the UK time and the carers.

"Arthur Green's 21:00 visit (Doreen Williams) has not started: 30 min late" rather than a
visit id and an ISO timestamp. Alert messages are written with these when they are raised,
so the API, the tablet board and escalation emails all say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.visits.models import Visit
from backend.domain.visits.rota import VisitContext
from shared.timekeeping import LONDON


class VisitWords:
    """The names a visit is spoken of by: its client and its carers."""

    def __init__(self, visit: Visit, client: str, carers: dict[int, str]) -> None:
        self.visit = visit
        self.client = client
        self.carers = carers  # carer id -> name, in assignment order

    def time(self, now: datetime | None = None) -> str:
        """The planned start in UK time, with the weekday when it is not today."""
        start = self.visit.planned_start.astimezone(LONDON)
        if now is not None and start.date() != now.astimezone(LONDON).date():
            return start.strftime("%a %H:%M")
        return start.strftime("%H:%M")

    def phrase(self, now: datetime | None = None) -> str:
        """"Arthur Green's 21:00 visit (Doreen Williams)"."""
        carers = " and ".join(self.carers.values()) or "no carer assigned"
        return f"{self.client}'s {self.time(now)} visit ({carers})"

    def late(self, now: datetime) -> str:
        minutes = int((now - self.visit.planned_start).total_seconds() // 60)
        return f"{self.phrase(now)} has not started: {minutes} min late"

    def missed(self, now: datetime) -> str:
        end = self.visit.planned_end.astimezone(LONDON).strftime("%H:%M")
        return f"{self.phrase(now)} was missed: nobody checked in by its planned end at {end}"

    def concern(self, category: str, carer_id: int, now: datetime) -> str:
        raised_by = self.carers.get(carer_id, "a carer")
        return f"{category.capitalize()} concern about {self.client}, raised by {raised_by} at the {self.time(now)} visit"

    def unverified_end(self, now: datetime) -> str:
        end = self.visit.planned_end.astimezone(LONDON).strftime("%H:%M")
        return f"{self.phrase(now)} has no check-out: it was due to end at {end}"


async def visit_words(session: AsyncSession, scope: TenantScope, visits: Sequence[Visit]) -> dict[int, VisitWords]:
    """Words for each visit (by id), with client and carer names loaded in one pass."""
    context = await VisitContext(visits).load(session, scope, ())
    return {
        visit.id or 0: VisitWords(visit, context.clients[visit.client_id].name,
                                  {carer.id or 0: carer.name for carer in context.carers_of[visit.id or 0]})
        for visit in context.visits
    }
