"""The job scheduler: APScheduler 3 in the API process, gated by the lease, with every run recorded.

Every API process starts one; all of them try to take the lease, and only the
holder runs jobs. Runs are recorded in ``job_run``: a cron job whose fire time
passed while no scheduler was running is run once on start-up (it resumes).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.scheduling.lease import Lease
from backend.scheduling.models import JobRun
from shared.timekeeping import LONDON, utc_now

logger = logging.getLogger("domicare.scheduler")
# APScheduler logs every run of every job at INFO (the lease renewal every 10 s, the visit watch every minute),
# which buries a demo server's console; our own runs are recorded in job_run and logged by ``logger``.
logging.getLogger("apscheduler").setLevel(logging.WARNING)

JobFunc = Callable[[datetime], Awaitable[Any]]
"""A job: called with the current time, returns anything JSON-able worth logging (counts)."""


class JobSpec(msgspec.Struct, frozen=True):
    """One registered job."""

    job_id: str
    func: Any
    trigger: Any
    catch_up: bool


class JobScheduler:
    """Jobs of every area on one AsyncIOScheduler; only the lease holder runs them."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, lease: Lease | None = None,
                 renew_every: timedelta = timedelta(seconds=10)) -> None:
        self.sessionmaker = sessionmaker
        self.lease = lease or Lease(sessionmaker)
        self.renew_every = renew_every
        self.jobs: dict[str, JobSpec] = {}
        self._aps: AsyncIOScheduler | None = None

    # -- registration (the hook API used by every area's ``register_jobs``) --------------------

    def add_interval(self, job_id: str, func: JobFunc, *, seconds: int = 0, minutes: int = 0) -> None:
        """Run ``func`` every interval (e.g. the minute-by-minute visit watch)."""
        self._add(JobSpec(job_id, func, IntervalTrigger(seconds=seconds, minutes=minutes, timezone=timezone.utc), False))

    def add_cron(self, job_id: str, func: JobFunc, *, catch_up: bool = True, **fields: Any) -> None:
        """Run ``func`` at cron times in Europe/London (``day_of_week="mon", hour=6``).

        With ``catch_up`` a fire time missed while no scheduler ran is made up once at start-up.
        """
        self._add(JobSpec(job_id, func, CronTrigger(timezone=LONDON, **fields), catch_up))

    def _add(self, spec: JobSpec) -> None:
        if spec.job_id in self.jobs:
            raise ValueError(f"job {spec.job_id!r} is registered twice")
        self.jobs[spec.job_id] = spec

    # -- running ------------------------------------------------------------------------------

    async def run_job(self, job_id: str, now: datetime | None = None, *, force: bool = False) -> str:
        """Run one job now if this process holds the lease (or ``force``); returns the recorded status."""
        spec = self.jobs[job_id]
        now = now or utc_now()
        if not force and not self.lease.held():
            return "skipped"
        await self._record(job_id, started=now)
        try:
            outcome = await spec.func(now)
        except Exception as exc:  # a failing job must never stop the scheduler
            logger.exception("job %s failed", job_id)
            await self._record(job_id, status="error", error=f"{exc.__class__.__name__}: {exc}"[:1000])
            return "error"
        if outcome:
            logger.info("job %s: %s", job_id, outcome)
        await self._record(job_id, status="ok")
        return "ok"

    async def _record(self, job_id: str, *, started: datetime | None = None, status: str | None = None,
                      error: str = "") -> None:
        async with self.sessionmaker() as session, session.begin():
            row = await session.get(JobRun, job_id)
            if row is None:
                row = JobRun(job_id=job_id)
                session.add(row)
            if started is not None:
                row.last_started_at = started
                row.last_status = "running"
                row.holder = self.lease.holder
            if status is not None:
                row.last_status = status
                row.last_error = error
                row.last_finished_at = utc_now()
                row.run_count += 1

    async def _renew(self) -> None:
        try:
            was_held = self.lease.held()
            held = await self.lease.acquire()
        except Exception:
            logger.exception("could not renew the scheduler lease")
            return
        if held and not was_held:
            logger.info("this process (%s) is now the active scheduler", self.lease.holder)
            await self._catch_up()
        elif was_held and not held:
            logger.warning("lost the scheduler lease to another process")

    async def _catch_up(self) -> None:
        """Run once every cron job whose fire time passed since its last recorded run."""
        now = utc_now()
        async with self.sessionmaker() as session:
            runs = {r.job_id: r for r in (await session.execute(JobRun.__table__.select())).mappings()}  # type: ignore[attr-defined]
        for spec in self.jobs.values():
            last = runs.get(spec.job_id)
            if not spec.catch_up or last is None or last["last_started_at"] is None:
                continue
            due = spec.trigger.get_next_fire_time(None, last["last_started_at"])
            if due is not None and due <= now and self._aps is not None:
                logger.info("job %s missed its run at %s; running it now", spec.job_id, due.isoformat())
                self._aps.add_job(self.run_job, args=[spec.job_id], id=f"catch-up:{spec.job_id}", replace_existing=True)

    async def start(self) -> None:
        """Start APScheduler in the running event loop and try to take the lease."""
        self._aps = AsyncIOScheduler(
            timezone=timezone.utc, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        self._aps.add_job(self._renew, IntervalTrigger(seconds=self.renew_every.total_seconds()), id="lease",
                          next_run_time=utc_now())
        for spec in self.jobs.values():
            trigger: BaseTrigger = spec.trigger
            self._aps.add_job(self.run_job, trigger, args=[spec.job_id], id=spec.job_id)
        self._aps.start()

    async def shutdown(self) -> None:
        """Stop running jobs and hand the lease back."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        try:
            await self.lease.release()
        except Exception:
            logger.exception("could not release the scheduler lease")
