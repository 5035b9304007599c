"""Synchronous access to a test database, for set-up and assertions in tests that are not async."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from backend.database.engine import create_engine, session_factory
from backend.domain.accounts.models import User
from backend.domain.alerts.models import Alert
from backend.domain.people.models import Carer
from backend.domain.visits.models import Visit, VisitAssignment, VisitEvent
from shared.enums import VisitStatus
from shared.timekeeping import LONDON


class Db:
    """Synchronous helpers over an async engine, for test set-up and assertions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.loop = asyncio.new_event_loop()
        self.engine = create_engine(url)
        self.sessionmaker = session_factory(self.engine)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.run(self.engine.dispose())
        self.loop.close()

    def carer_visits(self, username: str, limit: int = 5) -> list[Visit]:
        async def go() -> list[Visit]:
            async with self.sessionmaker() as s:
                rows = await s.execute(
                    select(Visit).join(VisitAssignment, VisitAssignment.visit_id == Visit.id)
                    .join(Carer, Carer.id == VisitAssignment.carer_id).join(User, User.id == Carer.user_id)
                    .where(User.username == username, Visit.carers_needed == 1,
                           ~select(VisitEvent.id).where(VisitEvent.visit_id == Visit.id).exists(),
                           ~select(Alert.id).where(Alert.visit_id == Visit.id).exists()).order_by(Visit.id).limit(limit)
                )
                return list(rows.scalars())
        return self.run(go())

    def settle_round(self, now: datetime) -> None:
        """Carers have done every visit due before ``now``, so the watch sees only what a test sets up.

        The tests' city leaves today's whole round to do; late in the day that is a round of overdue
        visits, which the watch would (rightly) mark missed, at any client the test looks at.
        """
        self.execute(update(Visit).where(Visit.status == VisitStatus.PLANNED, Visit.planned_start < now)
                     .values(status=VisitStatus.COMPLETED))

    def plan(self, visit_id: int, start: datetime, end: datetime, status: VisitStatus = VisitStatus.PLANNED) -> None:
        async def go() -> None:
            async with self.sessionmaker() as s, s.begin():
                await s.execute(update(Visit).where(Visit.id == visit_id).values(
                    planned_start=start, planned_end=end, status=status, visit_date=start.astimezone(LONDON).date()))
        self.run(go())

    def scalars(self, statement: Any) -> list[Any]:
        async def go() -> list[Any]:
            async with self.sessionmaker() as s:
                return list((await s.execute(statement)).scalars())
        return self.run(go())

    def execute(self, statement: Any) -> None:
        async def go() -> None:
            async with self.sessionmaker() as s, s.begin():
                await s.execute(statement)
        self.run(go())
