"""The scheduled weekly export: every Monday 06:00 Europe/London each provider's files go to the outbox.

The scheduler's lease makes one process run it (or, with a job queue configured, send it to a queue
worker, which writes to its own outbox); every file written is recorded once per
provider, week and format (a unique constraint, so even a run that overlaps another after a
lost lease keeps one file each), and weeks missed while no server ran are caught up.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.jobqueue import ProgressSink, Task, TaskContext, job_queue
from backend.database.tenancy import TenantScope
from backend.domain.finance import prepared, services
from backend.domain.finance.exports import EXTENSIONS
from backend.domain.finance.models import ExportRun, ScheduledExport
from backend.domain.finance.repositories import ExportRunRepository, ProviderDirectory, ScheduledExportRepository
from backend.domain.finance.weeks import FinanceWeek, week_of
from backend.domain.visits.models import Visit
from backend.domain.visits.repositories import VisitRepository
from backend.scheduling.lease import process_identity
from backend.scheduling.runner import JobScheduler
from shared.timekeeping import london_to_utc, utc_now

logger = logging.getLogger("domicare.finance.jobs")

DUE_AT_MINUTES = 6 * 60  # a week falls due at 06:00 London on the Monday after it
RUN_EVERY_HALF_HOUR = "0,30"
DEFAULT_CATCH_UP_WEEKS = 4
EXPORT_TASK = "finance.weekly_export"
EXPORT_TIMEOUT_SECONDS = 3600
WORKER = process_identity()  # who ran an export run: this process


def outbox_dir(settings: Settings) -> Path:
    """Where files go: the ``export_outbox`` setting, else ``<data_dir>/outbox``."""
    return settings.export_outbox or settings.data_dir / "outbox"


def due_weeks(now: datetime, catch_up_weeks: int = DEFAULT_CATCH_UP_WEEKS) -> list[FinanceWeek]:
    """Weeks whose export time (the following Monday 06:00 London) has passed, oldest first, at most ``catch_up_weeks``."""
    week = week_of(now)
    latest = week.previous
    if london_to_utc(week.start, DUE_AT_MINUTES) > now:  # Monday before 06:00: last week is not due yet
        latest = latest.previous
    weeks = [latest]
    while len(weeks) < catch_up_weeks:
        weeks.append(weeks[-1].previous)
    return sorted(weeks, key=lambda w: w.ending)


async def _has_visits(sessionmaker: async_sessionmaker[AsyncSession], provider_id: int, week: FinanceWeek) -> bool:
    async with sessionmaker() as session:
        return await VisitRepository(session, TenantScope.system()).count(
            Visit.provider_id == provider_id, Visit.visit_date >= week.start, Visit.visit_date <= week.ending
        ) > 0


async def _already_done(sessionmaker: async_sessionmaker[AsyncSession], provider_id: int, week: FinanceWeek,
                        export_format: str) -> bool:
    async with sessionmaker() as session:
        return await ScheduledExportRepository(session, TenantScope.system()).count(
            ScheduledExport.provider_id == provider_id, ScheduledExport.week_ending == week.ending,
            ScheduledExport.format == export_format,
        ) > 0


async def run_weekly_exports(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                             now: datetime | None = None, catch_up_weeks: int = DEFAULT_CATCH_UP_WEEKS,
                             sink: ProgressSink | None = None) -> list[Path]:
    """Write every due, not yet written weekly file to the outbox; returns the files written.

    A (provider, week, format) already recorded is never written again. The run is recorded
    (:class:`ExportRun`, shown by ``GET /api/v1/finance/export-runs``) with its progress (0..1),
    the week and how many providers are done, as it goes; ``sink`` hears the same.
    """
    now = now or utc_now()
    written: list[Path] = []
    scope = TenantScope.system()
    async with sessionmaker() as session:
        providers = list(await ProviderDirectory(session, scope).list())
        run = await ExportRunRepository(session).add(ExportRun(due_at=now, worker=WORKER, stage="starting"))
        await session.commit()
    run_id = run.id or 0
    outbox = outbox_dir(settings)
    plan = [(week, provider, authority) for week in due_weeks(now, catch_up_weeks) for provider, authority in providers]
    try:
        for done, (week, provider, authority) in enumerate(plan):
            assert provider.id is not None
            stage = f"week ending {week.ending.isoformat()}: provider {done % len(providers) + 1} of {len(providers)}"
            await _record_run(sessionmaker, run_id, progress=round(done / len(plan), 3), stage=stage, files=len(written))
            if sink is not None:
                await sink(done / len(plan), stage)
            if not await _has_visits(sessionmaker, provider.id, week):
                continue
            for export_format in services.EXPORT_FORMATS:
                if await _already_done(sessionmaker, provider.id, week, export_format):
                    continue
                path = await _write_one(settings, sessionmaker, scope, outbox, week, provider, authority, export_format)
                if path is not None:
                    written.append(path)
    except BaseException as exc:  # a stopped worker too: the run is over, whatever ended it
        await _record_run(sessionmaker, run_id, status="failed", error=f"{type(exc).__name__}: {exc}"[:1000],
                          files=len(written), finished_at=utc_now())
        raise
    await _record_run(sessionmaker, run_id, status="done", progress=1.0, stage="done", files=len(written),
                      finished_at=utc_now())
    if written:
        logger.info("weekly finance export wrote %d file(s) to %s", len(written), outbox)
    return written


async def _record_run(sessionmaker: async_sessionmaker[AsyncSession], run_id: int, **values: Any) -> None:
    async with sessionmaker() as session:
        await ExportRunRepository(session).update(run_id, **values)
        await session.commit()


async def _write_one(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], scope: TenantScope, outbox: Path,
                     week: FinanceWeek, provider: Any, authority: Any, export_format: str) -> Path | None:
    targets = await services.prepare_export(sessionmaker, scope, week, export_format, [(provider, authority)], None,
                                            settings.late_tolerance_minutes)
    batch = targets[0].batch
    folder = outbox / authority.code
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{batch.file_reference}.{EXTENSIONS[export_format]}"
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        async for piece in services.stream_export(sessionmaker, scope, week, export_format, targets):
            handle.write(piece)
    os.replace(partial, path)
    async with sessionmaker() as session:
        try:
            await ScheduledExportRepository(session, scope).add(ScheduledExport(
                provider_id=provider.id, week_ending=week.ending, format=export_format, batch_id=batch.id, path=str(path),
            ))
            await session.commit()
        except IntegrityError:  # an overlapping run recorded it first: keep that file only
            await session.rollback()
            path.unlink(missing_ok=True)
            return None
    return path


def register_jobs(scheduler: JobScheduler, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Add the weekly export to the scheduler.

    It runs on the hour and the half hour (Europe/London), so a week is written at 06:00 on the
    Monday it falls due, and a week still missing (the first start, a failed run) is caught up
    within half an hour without ever being written twice; a run missed while no scheduler ran
    is made up at start-up.
    """

    async def weekly_export(now: datetime) -> dict[str, int]:
        queue = job_queue(settings)
        if queue is not None:  # a queue worker writes the files (to its outbox)
            sent = await queue.enqueue(EXPORT_TASK, key=f"{EXPORT_TASK}-{now:%Y%m%dT%H%M}",
                                       timeout_s=EXPORT_TIMEOUT_SECONDS, now=now.isoformat())
            return {"queued": 1} if sent else {}
        written = await run_weekly_exports(settings, sessionmaker, now)
        return {"files": len(written)} if written else {}

    scheduler.add_cron("finance.weekly_export", weekly_export, catch_up=True, minute=RUN_EVERY_HALF_HOUR)


def register_figure_jobs(scheduler: JobScheduler, settings: Settings,
                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Add ``finance.prepare_figures``: every minute, prepare the billing figures of every visit changed since.

    Reads prepare what they find queued on their own days anyway; the job keeps the queue short so
    they rarely have to.
    """

    async def prepare_figures(now: datetime) -> dict[str, int]:
        prepared_visits = await prepare_all(sessionmaker, settings.late_tolerance_minutes)
        return {"visits": prepared_visits} if prepared_visits else {}

    scheduler.add_interval("finance.prepare_figures", prepare_figures, minutes=1)


async def prepare_all(sessionmaker: async_sessionmaker[AsyncSession], late_tolerance_minutes: int) -> int:
    """Prepare the billing figures of every queued visit (``domicare finance refresh`` and the job); how many."""
    async with sessionmaker() as session:
        book = prepared.RulesBook(session, late_tolerance_minutes)
        return await prepared.refresh(session, TenantScope.system(), date.min, date.max, book)


async def _export_from_queue(context: TaskContext, *, now: str) -> dict[str, int]:
    """A queue worker's side of the weekly export (sent by the scheduler at ``now``)."""
    written = await run_weekly_exports(context.settings, context.sessionmaker, datetime.fromisoformat(now),
                                       sink=context.report)
    return {"files": len(written)}


QUEUE_TASKS = (Task(EXPORT_TASK, _export_from_queue),)
"""The jobs this area gives the queue's workers."""
