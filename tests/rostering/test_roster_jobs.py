"""Roster jobs across API processes: the claim is exclusive, and an abandoned job is taken over."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from typing import Any

from litestar.testing import TestClient

from backend.database.engine import create_engine, session_factory
from backend.domain.rostering import jobs
from backend.domain.rostering.inputs import minute_of_day, moment_of, today_in_london
from backend.domain.rostering.models import RosterJob, RosterJobStatus
from shared.timekeeping import utc_now
from tests.rostering.conftest import wait_for


def _job(status: RosterJobStatus, heartbeat_age: timedelta | None, worker: str | None) -> RosterJob:
    now = utc_now()
    return RosterJob(
        provider_id=1, roster_date=today_in_london(now), status=status, worker=worker, attempts=1 if worker else 0,
        params={"date": today_in_london(now).isoformat(), "time_limit_s": 1, "days": 1},
        created_at=now - timedelta(minutes=10),
        heartbeat_at=None if heartbeat_age is None else now - heartbeat_age,
    )


def test_only_one_process_claims_a_job(seeded_db_url: str) -> None:
    async def scenario() -> list[bool]:
        engines = [create_engine(seeded_db_url) for _ in range(3)]  # three "API processes"
        try:
            async with session_factory(engines[0])() as session:
                job = _job(RosterJobStatus.QUEUED, None, None)
                session.add(job)
                await session.commit()
                job_id = job.id or 0

            async def claim(engine: Any) -> bool:
                async with session_factory(engine)() as session:
                    return await jobs._claim(session, job_id) is not None

            return list(await asyncio.gather(*(claim(e) for e in engines)))
        finally:
            for engine in engines:
                await engine.dispose()

    assert sorted(asyncio.run(scenario())) == [False, False, True]


def test_an_abandoned_job_is_taken_over_and_a_live_one_is_left_alone(
    api: TestClient, supervisor: dict[str, str], run_db: Any
) -> None:
    async def insert(session: Any) -> tuple[int, int]:
        dead = _job(RosterJobStatus.RUNNING, timedelta(minutes=5), "ghost:1")
        # its worker beats ahead of the clock, so however slow the machine the live job never goes stale here
        live = _job(RosterJobStatus.RUNNING, -jobs.STALE_AFTER * 10, "busy:2")
        session.add_all([dead, live])
        await session.flush()
        return dead.id, live.id

    dead_id, live_id = run_db(insert)
    body = wait_for(api, supervisor, dead_id)
    assert body["status"] == "done" and body["objective"]["unassigned_visits"] >= 0
    assert api.get(f"/api/v1/rosters/{live_id}", headers=supervisor).json()["status"] == "running"
    rows = run_db(lambda s: _rows(s, [dead_id, live_id]))
    assert rows[dead_id].attempts == 2 and rows[dead_id].worker == jobs.WORKER_ID
    assert rows[live_id].worker == "busy:2"


async def _rows(session: Any, ids: list[int]) -> dict[int, RosterJob]:
    return {i: await session.get(RosterJob, i) for i in ids}


def test_minutes_of_the_day_follow_the_london_wall_clock() -> None:
    summer, clocks_back = date(2026, 7, 1), date(2026, 10, 25)
    assert minute_of_day(summer, datetime(2026, 7, 1, 7, 0, tzinfo=timezone.utc)) == 8 * 60  # BST
    assert minute_of_day(clocks_back, datetime(2026, 10, 25, 12, 0, tzinfo=timezone.utc)) == 12 * 60  # GMT again
    assert moment_of(summer, 8 * 60 + 7.5) == datetime(2026, 7, 1, 7, 7, 30, tzinfo=timezone.utc)
    assert moment_of(clocks_back, 12 * 60) == datetime(2026, 10, 25, 12, 0, tzinfo=timezone.utc)


def test_a_request_s_hard_shift_ends_and_unpaid_break_reach_the_solver_s_options() -> None:
    from backend.domain.rostering.inputs import _options
    from backend.domain.rostering.schemas import RosterRequest, UnpaidBreak
    from rostering.model import BreakRule

    plain = _options(RosterRequest(date=date(2026, 12, 1)).params(), [], {})
    assert not plain.hard_shift_ends and plain.unpaid_break is None
    asked = RosterRequest(date=date(2026, 12, 1), hard_shift_ends=True, unpaid_break=UnpaidBreak(minutes=20, latest_minute=840))
    options = _options(asked.params(), [], {})
    assert options.hard_shift_ends and options.unpaid_break == BreakRule(360.0, 20.0, 660.0, 840.0)
