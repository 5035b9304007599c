"""Table constraints and column types behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.database.engine import create_engine, session_factory
from backend.domain.visits.models import Visit, VisitAssignment, VisitEvent
from shared.enums import VisitEventKind


def _run(url: str, body) -> None:
    async def run() -> None:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                await body(session)
        finally:
            await engine.dispose()

    asyncio.run(run())


def _event(key: str, provider_id: int = 1, visit_id: int = 1, carer_id: int = 1) -> VisitEvent:
    return VisitEvent(
        provider_id=provider_id, visit_id=visit_id, carer_id=carer_id, kind=VisitEventKind.NOTE,
        device_time=datetime(2026, 1, 1, tzinfo=timezone.utc), idempotency_key=key,
    )


def test_idempotency_key_is_unique_per_provider(seeded_db_url: str) -> None:
    async def body(session) -> None:
        session.add(_event("k-1"))
        await session.commit()
        session.add(_event("k-1"))
        with pytest.raises(IntegrityError):
            await session.commit()
        await session.rollback()
        session.add(_event("k-1", provider_id=2, visit_id=2, carer_id=2))  # another provider may reuse it
        await session.commit()

    _run(seeded_db_url, body)


def test_a_carer_is_assigned_to_a_visit_once(seeded_db_url: str) -> None:
    async def body(session) -> None:
        existing = (await session.execute(select(VisitAssignment).limit(1))).scalar_one()
        session.add(VisitAssignment(provider_id=existing.provider_id, visit_id=existing.visit_id, carer_id=existing.carer_id))
        with pytest.raises(IntegrityError):
            await session.commit()

    _run(seeded_db_url, body)


def test_datetimes_come_back_aware_utc_and_naive_ones_are_refused(seeded_db_url: str) -> None:
    async def body(session) -> None:
        visit = (await session.execute(select(Visit).where(Visit.id == 1))).scalar_one()
        assert visit.planned_start.tzinfo is not None and visit.planned_start.utcoffset() == timedelta(0)
        london = timezone(timedelta(hours=1))
        visit.planned_end = datetime(2026, 6, 1, 10, 0, tzinfo=london)
        await session.commit()
        session.expire_all()
        again = (await session.execute(select(Visit).where(Visit.id == 1))).scalar_one()
        assert again.planned_end == datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
        again.planned_end = datetime(2026, 6, 1, 10, 0)
        with pytest.raises(Exception, match="naive datetime"):
            await session.commit()

    _run(seeded_db_url, body)
