"""Jobs through a real queue (SAQ on the local Redis) to real ``domicare worker`` processes.

The API only sends a job; a worker process claims it, solves (or exports) and reports progress
and stage, which the API's job route shows. Every worker is stopped, with its solver processes,
when the test ends.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from backend.config import Settings
from backend.domain.rostering.models import RosterJob
from backend.jobqueue import JobQueue, close_job_queues
from shared.timekeeping import LONDON, london_to_utc, utc_now
from tests.conftest import make_settings, require_service, sign_in
from tests.support.database import Db
from tests.support.processes import descendants, require_proc, survivors
from tests.support.servers import WorkerProcess

REDIS_URL = "redis://127.0.0.1:6379/0"
DEADLINE_S = 400  # generous: a busy 2-core machine makes a 1 s solve take far longer end to end
# Workers load the compiled search kernels from the cache the ``compiled`` fixture writes.
pytestmark = [pytest.mark.usefixtures("compiled"), pytest.mark.timeout(900)]


@pytest.fixture
def queue_settings(seeded_db_url: str, tmp_path: Path) -> Settings:
    """Settings with the local Redis as the job queue, under a queue name of this test's own."""
    require_service("Redis", "127.0.0.1", 6379)
    return make_settings(seeded_db_url, tmp_path / "api", job_queue=REDIS_URL, job_queue_name=f"test-{uuid.uuid4().hex}")


def _worker(settings: Settings, folder: Path, outbox: Path) -> WorkerProcess:
    return WorkerProcess(settings.database_url, folder, {
        "DOMICARE_JOB_QUEUE": REDIS_URL, "DOMICARE_JOB_QUEUE_NAME": settings.job_queue_name,
        "DOMICARE_EXPORT_OUTBOX": str(outbox),
    })


@pytest.fixture
def worker(queue_settings: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    """One ``domicare worker`` on the test's queue, with its own outbox."""
    process = _worker(queue_settings, tmp_path / "worker", tmp_path / "worker-outbox")
    try:
        process.start()
        yield process
    finally:
        process.stop()


@pytest.fixture
def two_workers(queue_settings: Settings, tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    """Two workers on the test's queue, as on two machines."""
    processes = [_worker(queue_settings, tmp_path / f"worker{n}", tmp_path / f"outbox{n}") for n in (1, 2)]
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.stop()


def _queue_record(settings: Settings, key: str) -> Any:
    async def read() -> Any:
        queue = JobQueue(settings.job_queue, settings.job_queue_name)
        try:
            return await queue.job_info(key)
        finally:
            await queue.close()

    return asyncio.run(read())


def _roster_job(database_url: str, job_id: int) -> RosterJob:
    db = Db(database_url)
    try:
        async def read() -> RosterJob:
            async with db.sessionmaker() as session:
                return await session.get(RosterJob, job_id)

        return db.run(read())
    finally:
        db.close()


def test_a_roster_job_runs_on_a_queue_worker_with_progress(queue_settings: Settings, worker: WorkerProcess) -> None:
    from backend.app import create_app

    with TestClient(create_app(queue_settings)) as api:
        headers = sign_in(api, "supervisor.demo")
        today = utc_now().astimezone(LONDON).date().isoformat()
        created = api.post("/api/v1/rosters", json={"date": today, "time_limit_s": 3}, headers=headers)
        assert created.status_code == 202, created.text
        assert created.json()["stage"] == "waiting for a solver"
        job_id = created.json()["id"]
        seen: list[tuple[str, float, str | None]] = []
        best_seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            body = api.get(f"/api/v1/rosters/{job_id}", headers=headers).json()
            seen.append((body["status"], body["progress"], body["stage"]))
            if body["status"] == "running" and body["best_so_far"]:
                best_seen.append(body)
            if body["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
    assert body["status"] == "done", (body.get("error"), worker.log.read_text()[-3000:])
    assert body["progress"] == 1.0 and body["stage"] == "done"
    assert body["objective"]["unassigned_visits"] >= 0 and body["runs"]
    solving = [(p, s) for status, p, s in seen if status == "running" and (s or "").startswith("solving day 1 of 1")]
    assert solving and all(0 <= p < 1 for p, _ in solving), seen
    assert {s for _, s in solving} & {"solving day 1 of 1: searching the whole day"}, "the solver's own stage is shown"
    assert best_seen and all(b["best_so_far"]["total"] > 0 and b["first_valid_s"] > 0 for b in best_seen), seen
    assert body["first_valid_s"] == best_seen[0]["first_valid_s"] <= body["solve_seconds"]
    row = _roster_job(queue_settings.database_url, job_id)
    assert row.worker.split(":")[1] == str(worker.pid), "the worker process solved it, not the API"
    record = _queue_record(queue_settings, f"roster-{job_id}-0")
    assert record is not None and record.status == "complete"


def test_no_solver_process_outlives_a_killed_queue_worker(queue_settings: Settings, worker: WorkerProcess) -> None:
    """A worker killed mid-solve (SIGKILL: no clean-up runs) takes its solver process with it."""
    from backend.app import create_app

    require_proc()
    with TestClient(create_app(queue_settings)) as api:
        headers = sign_in(api, "supervisor.demo")
        today = utc_now().astimezone(LONDON).date().isoformat()
        job_id = api.post("/api/v1/rosters", json={"date": today, "days": 7, "time_limit_s": 600}, headers=headers).json()["id"]
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if api.get(f"/api/v1/rosters/{job_id}", headers=headers).json()["status"] == "running":
                break
            time.sleep(0.2)
    solvers = descendants(worker.pid)
    assert solvers, "the worker solves in a process of its own"
    worker.process.kill()  # type: ignore[union-attr]
    worker.process.wait()  # type: ignore[union-attr]
    assert survivors(solvers) == set(), "every solver process ended with the worker"


def test_the_weekly_export_is_written_by_a_queue_worker(queue_settings: Settings, worker: WorkerProcess,
                                                        tmp_path: Path) -> None:
    from backend.domain.finance.jobs import register_jobs
    from backend.domain.finance.weeks import last_completed_week
    from backend.scheduling.runner import JobScheduler

    scheduler = JobScheduler(object())  # type: ignore[arg-type]
    register_jobs(scheduler, queue_settings, object())  # type: ignore[arg-type]
    week = last_completed_week(utc_now())
    due = london_to_utc(week.ending + timedelta(days=1), 6 * 60 + 30)  # the Monday after it, 06:30 London
    async def fire() -> dict[str, int]:
        try:
            return await scheduler.jobs["finance.weekly_export"].func(due)
        finally:
            await close_job_queues()  # as the app does at shutdown: the connection belongs to this event loop

    assert asyncio.run(fire()) == {"queued": 1}
    assert not (queue_settings.data_dir / "outbox").exists(), "the API process wrote nothing itself"
    outbox = tmp_path / "worker-outbox"
    deadline = time.monotonic() + DEADLINE_S
    key = f"finance.weekly_export-{due:%Y%m%dT%H%M}"
    while time.monotonic() < deadline:
        record = _queue_record(queue_settings, key)
        if record is not None and record.status in ("complete", "failed", "aborted"):
            break
        time.sleep(0.3)
    assert record.status == "complete", (record.error, worker.log.read_text()[-3000:])
    files = sorted(p.name for p in outbox.rglob("*") if p.is_file())
    assert record.result["files"] == len(files) > 0
    assert {Path(name).suffix for name in files} == {".csv", ".json"}
    assert record.progress > 0 and record.meta["stage"].startswith("week ending")
    from backend.app import create_app

    with TestClient(create_app(queue_settings)) as api:  # the API shows the worker's run and its progress
        runs = api.get("/api/v1/finance/export-runs", headers=sign_in(api, "commissioner.demo")).json()["items"]
    assert [(run["status"], run["progress"], run["files"]) for run in runs] == [("done", 1.0, len(files))]


def test_every_provider_is_solved_side_by_side_by_the_workers(queue_settings: Settings, two_workers: list[WorkerProcess],
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from domicare.cli import main

    for name, value in (("JOB_QUEUE", REDIS_URL), ("JOB_QUEUE_NAME", queue_settings.job_queue_name),
                        ("DATA_DIR", str(queue_settings.data_dir))):
        monkeypatch.setenv(f"DOMICARE_{name}", value)
    today = utc_now().astimezone(LONDON).date().isoformat()
    code = main(["roster-providers", "--date", today, "--time-limit", "1", "--database-url", queue_settings.database_url])
    outcome = json.loads(capsys.readouterr().out)
    assert code == 0, outcome
    jobs = outcome["jobs"]
    assert sorted(job["provider_id"] for job in jobs) == [1, 2, 3], "one job per provider of the city"
    assert {job["status"] for job in jobs} == {"done"} and {job["stage"] for job in jobs} == {"done"}
    assert all(job["unassigned_visits"] is not None for job in jobs)
    solved_by = {int(job["worker"].split(":")[1]) for job in jobs}
    assert solved_by == {worker.pid for worker in two_workers}, "both workers solved providers"
