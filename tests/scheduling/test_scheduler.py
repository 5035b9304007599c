"""The scheduler: one lease holder across processes, every run recorded, every area's jobs started by the app."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend.scheduling.lease import Lease
from backend.scheduling.models import JobRun
from backend.scheduling.runner import JobScheduler
from shared.timekeeping import utc_now
from tests.conftest import make_settings
from tests.support.database import Db

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py


def test_only_one_scheduler_holds_the_lease(db: Db) -> None:
    first = Lease(db.sessionmaker, holder="one", ttl=timedelta(seconds=30))
    second = Lease(db.sessionmaker, holder="two", ttl=timedelta(seconds=30))
    now = utc_now()
    assert db.run(first.acquire(now)) is True
    assert db.run(second.acquire(now)) is False
    assert db.run(first.acquire(now + timedelta(seconds=10))) is True  # renewal
    assert db.run(second.acquire(now + timedelta(seconds=20))) is False
    assert db.run(second.acquire(now + timedelta(seconds=45))) is True  # the first stopped renewing: taken over
    assert db.run(first.acquire(now + timedelta(seconds=46))) is False
    db.run(second.release())
    assert db.run(first.acquire(now + timedelta(seconds=47))) is True


def test_jobs_run_only_on_the_lease_holder_and_are_recorded(db: Db) -> None:
    calls: list[str] = []

    def make(name: str) -> Any:
        async def job(now: Any) -> dict[str, int]:
            calls.append(name)
            return {"n": 1}
        return job

    leader, follower = JobScheduler(db.sessionmaker), JobScheduler(db.sessionmaker)
    for scheduler, name in ((leader, "leader"), (follower, "follower")):
        scheduler.add_interval("test.job", make(name), minutes=1)
    assert db.run(leader.lease.acquire()) and not db.run(follower.lease.acquire())
    assert db.run(leader.run_job("test.job")) == "ok"
    assert db.run(follower.run_job("test.job")) == "skipped"
    assert calls == ["leader"]
    run = db.scalars(select(JobRun).where(JobRun.job_id == "test.job"))[0]
    assert run.last_status == "ok" and run.run_count == 1 and run.holder == leader.lease.holder


def test_a_failing_job_is_recorded_and_does_not_raise(db: Db) -> None:
    scheduler = JobScheduler(db.sessionmaker)

    async def boom(now: Any) -> None:
        raise RuntimeError("disk full")

    scheduler.add_cron("test.boom", boom, hour=3)
    assert db.run(scheduler.run_job("test.boom", force=True)) == "error"
    assert db.scalars(select(JobRun.last_error).where(JobRun.job_id == "test.boom")) == ["RuntimeError: disk full"]


def test_the_app_starts_the_scheduler_with_every_area_job(seeded_db_url: str, tmp_path: Path) -> None:
    import time

    from litestar.testing import TestClient

    from backend.app import create_app

    with TestClient(create_app(make_settings(seeded_db_url, tmp_path, scheduler=True))) as client:
        scheduler = client.app.state.scheduler
        assert {"operations.visit_watch", "operations.escalation", "operations.retention"} <= set(scheduler.jobs)
        deadline = time.monotonic() + 10
        while not scheduler.lease.held() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert scheduler.lease.held()
        assert client.get("/health").status_code == 200
