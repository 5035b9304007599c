"""Roster jobs: queue a solve, run it in a worker process, report progress, recover abandoned jobs.

The job row is the source of truth. Any process may run a job (an API process when no job queue
is configured, else a ``domicare worker`` that got it from the queue), but only after claiming it
with a conditional update (``queued``, or ``running`` with a stale heartbeat); while it runs,
that process refreshes the heartbeat, progress and stage every second and checks it still owns the
job. A job whose process died is started again by the next API process that reads it (see ``revive``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.rostering.inputs import load_roster_input
from backend.domain.rostering.models import RosterJob, RosterJobStatus
from backend.domain.rostering.repositories import RosterJobRepository
from backend.domain.rostering.results import objective_out, roster_result
from backend.domain.rostering.solving import SolveProgress
from backend.domain.rostering.workers import solver_pool
from backend.jobqueue import ProgressSink, Task, TaskContext, job_queue
from backend.scheduling.lease import process_identity
from shared.timekeeping import utc_now

logger = logging.getLogger("domicare.rostering")

HEARTBEAT_SECONDS = 1.0
STALE_AFTER = timedelta(seconds=30)  # a running job silent this long is taken to be abandoned
QUEUED_GRACE = timedelta(seconds=5)  # a queued job nobody started this long is started by whoever sees it
MAX_ATTEMPTS = 3
SYSTEM = TenantScope.system()  # any process may run any provider's job, once it has claimed it
WORKER_ID = process_identity()
SOLVE_TASK = "rostering.solve"
RUN_MARGIN_SECONDS = 300  # loading inputs and storing the rota, on top of the solver's own time limit
WAITING = "waiting for a solver"

_running: set[asyncio.Task[None]] = set()  # strong references, so the loop does not drop running jobs
_pending: set[tuple[int, int]] = set()  # (session factory, job id) this process is already handling
_slots = threading.BoundedSemaphore(solver_pool().workers)  # jobs this process runs at once


async def start(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], job: RosterJob) -> bool:
    """Have a job run: sent to the queue's workers when a queue is configured, else run in this process.

    ``False`` when it is already on its way (the same send twice, from one process or several).
    """
    queue = job_queue(settings)
    if queue is None:
        return dispatch(sessionmaker, job.id or 0)
    time_limit = float(job.params.get("time_limit_s") or 15.0)
    # The key holds the attempt, so a job lost with its worker is sent again, but each attempt only once.
    return await queue.enqueue(SOLVE_TASK, key=f"roster-{job.id}-{job.attempts}",
                               timeout_s=time_limit * job.days + RUN_MARGIN_SECONDS, job_id=job.id)


def dispatch(sessionmaker: async_sessionmaker[AsyncSession], job_id: int) -> bool:
    """Start running a job in the background of this process (it runs only if the claim succeeds).

    ``False`` when this process already has a task waiting for (or running) the job.
    """
    key = (id(sessionmaker), job_id)
    if key in _pending:
        return False
    _pending.add(key)
    task = asyncio.get_running_loop().create_task(run_job(sessionmaker, job_id), name=f"roster-job-{job_id}")
    _running.add(task)
    task.add_done_callback(_running.discard)
    task.add_done_callback(lambda _t: _pending.discard(key))
    return True


def needs_reviving(job: RosterJob, now: datetime) -> bool:
    """Whether a job looks abandoned: queued and never picked up, or running with a stale heartbeat."""
    if job.status == RosterJobStatus.QUEUED:
        return now - job.created_at > QUEUED_GRACE
    if job.status == RosterJobStatus.RUNNING:
        return job.heartbeat_at is None or now - job.heartbeat_at > STALE_AFTER
    return False


async def revive(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], job: RosterJob) -> None:
    """Start an abandoned job again (here, or through the queue); the claim makes sure only one process runs it."""
    if job.id is not None and needs_reviving(job, utc_now()) and await start(settings, sessionmaker, job):
        logger.warning("roster job %s is %s with nobody working on it; starting it again", job.id, job.status)


async def _claim(session: AsyncSession, job_id: int) -> RosterJob | None:
    now = utc_now()
    claimed = await RosterJobRepository(session, SYSTEM).update_where(
        {"status": RosterJobStatus.RUNNING, "worker": WORKER_ID, "attempts": RosterJob.attempts + 1,
         "started_at": now, "heartbeat_at": now, "progress": 0.0, "stage": "loading visits and carers"},
        RosterJob.id == job_id,
        (RosterJob.status == RosterJobStatus.QUEUED)  # type: ignore[arg-type]
        | ((RosterJob.status == RosterJobStatus.RUNNING)  # type: ignore[arg-type]
           & (RosterJob.heartbeat_at.is_(None) | (RosterJob.heartbeat_at < now - STALE_AFTER))),  # type: ignore[union-attr,operator]
    ) == 1
    await session.commit()
    if not claimed:
        return None
    return await session.get(RosterJob, job_id, populate_existing=True)


async def _update_mine(session: AsyncSession, job_id: int, **values: Any) -> bool:
    """Write to the job if this process still owns it; ``False`` if another process took it over."""
    owned = await RosterJobRepository(session, SYSTEM).update_where(
        values, RosterJob.id == job_id, RosterJob.worker == WORKER_ID, RosterJob.status == RosterJobStatus.RUNNING,
    ) == 1
    await session.commit()
    return owned


async def run_job(sessionmaker: async_sessionmaker[AsyncSession], job_id: int, sink: ProgressSink | None = None) -> None:
    """Wait for a free solver slot in this process, then claim and run the job.

    Claiming only with a slot free means a process whose workers are busy leaves the job
    queued, so another API process with an idle worker (any that reads the job) can take it.
    """
    while not _slots.acquire(blocking=False):
        await asyncio.sleep(0.25)
    try:
        await _claim_and_run(sessionmaker, job_id, sink)
    finally:
        _slots.release()


async def _claim_and_run(sessionmaker: async_sessionmaker[AsyncSession], job_id: int, sink: ProgressSink | None) -> None:
    """Claim, load, solve in a worker process while beating the heart, then store the result or the failure."""
    async with sessionmaker() as session:
        job = await _claim(session, job_id)
        if job is None:
            return
        if job.attempts > MAX_ATTEMPTS:
            await _update_mine(session, job_id, status=RosterJobStatus.FAILED, finished_at=utc_now(), stage="failed",
                               error=f"abandoned by its worker {MAX_ATTEMPTS} times")
            return
        key = f"{job_id}:{uuid.uuid4().hex}"
        started = time.monotonic()
        solve: asyncio.Future[Any] | None = None
        try:
            now = datetime.fromisoformat(job.params["now"]) if job.params.get("now") else utc_now()
            loaded = await load_roster_input(session, job.provider_id, job.params, now)
            await session.commit()  # end the read transaction before the long solve
            day_count = len(loaded.days)
            solving_since = time.monotonic()
            solve = asyncio.ensure_future(solver_pool().solve(key, loaded.request))
            first_valid: float | None = None  # seconds from the claim to the first valid rota of day 1
            while not solve.done():
                await asyncio.wait({solve}, timeout=HEARTBEAT_SECONDS)
                if solve.done():
                    break
                report = solver_pool().latest(key)
                if first_valid is None and report is not None and report.first_valid is not None and report.day == 0:
                    first_valid = round(solving_since - started + report.first_valid, 2)
                values = progress_values(report, time.monotonic() - solving_since, loaded.request.time_limit,
                                          day_count, first_valid)
                if sink is not None:
                    await sink(values["progress"], values["stage"])
                if not await _update_mine(session, job_id, **values):
                    logger.warning("roster job %s was taken over by another worker; dropping this run", job_id)
                    solve.cancel()
                    return
            solutions = solve.result()
            result = roster_result(loaded, solutions, time.monotonic() - started) | {"first_valid_s": first_valid}
            await _update_mine(session, job_id, status=RosterJobStatus.DONE, progress=1.0, stage="done", result=result,
                               finished_at=utc_now(), heartbeat_at=utc_now())
        except asyncio.CancelledError:
            if solve is not None:
                solve.cancel()  # this process is stopping: its worker is ended too, so nobody awaits the result
            raise
        except Exception as exc:  # noqa: BLE001 - a failed solve is recorded on the job, never lost
            logger.exception("roster job %s failed", job_id)
            await session.rollback()
            await _update_mine(session, job_id, status=RosterJobStatus.FAILED, finished_at=utc_now(), stage="failed",
                               error=f"{type(exc).__name__}: {exc}"[:2000])


def progress_values(report: SolveProgress | None, seconds: float, time_limit: float, day_count: int,
                     first_valid: float | None) -> dict[str, Any]:
    """What a heartbeat writes to the job: progress (by the clock, or the solver's if ahead), stage, best so far."""
    by_clock = seconds / (time_limit * day_count or 1.0)
    progress = round(min(0.99, max(by_clock, report.fraction if report else 0.0)), 3)
    day = report.day if report else min(day_count - 1, int(by_clock * day_count))
    stage = f"solving day {day + 1} of {day_count}" + (f": {report.stage}" if report else "")
    values: dict[str, Any] = {"heartbeat_at": utc_now(), "progress": progress, "stage": stage[:80]}
    if report is not None:
        values["result"] = {"best_so_far": objective_out(report.best) if report.best else None, "day": report.day,
                            "first_valid_s": first_valid}
    return values


async def stop_running_jobs() -> None:
    """Stop this process's jobs and end its solver workers (the jobs are revived elsewhere once stale).

    A job cancelled here records no failure: it stays ``running`` until its heartbeat is stale,
    then any process that reads it runs it again, exactly as after a crash.
    """
    tasks = list(_running)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    solver_pool().shutdown()


@asynccontextmanager
async def rostering_lifespan(app: Litestar) -> AsyncIterator[None]:
    """A Litestar lifespan hook: on shutdown, end the solves this process runs and its worker processes."""
    try:
        yield
    finally:
        await stop_running_jobs()


async def _solve_from_queue(context: TaskContext, *, job_id: int) -> None:
    """A queue worker's side of a roster job: run it here, its progress also reported to the queue."""
    await run_job(context.sessionmaker, job_id, context.report)


QUEUE_TASKS = (Task(SOLVE_TASK, _solve_from_queue),)
"""The jobs this area gives the queue's workers."""
