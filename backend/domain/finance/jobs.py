"""The scheduled weekly export: every Monday 06:00 Europe/London each provider's files go to the outbox.

Only one process runs it at a time (a PostgreSQL advisory lock; on SQLite the demo has one
process), every file written is recorded once per provider, week and format, and weeks
missed while no server ran are caught up when the job starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.database.tenancy import TenantScope
from backend.domain.finance import services
from backend.domain.finance.exports import EXTENSIONS
from backend.domain.finance.models import ScheduledExport
from backend.domain.finance.repositories import ProviderDirectory, ScheduledExportRepository
from backend.domain.finance.weeks import FinanceWeek, week_of
from backend.domain.visits.models import Visit
from backend.domain.visits.repositories import VisitRepository
from shared.timekeeping import LONDON, london_to_utc, utc_now

logger = logging.getLogger("domicare.finance.jobs")

JOB_ID = "finance-weekly-export"
CATCH_UP_JOB_ID = "finance-weekly-export-catch-up"
# pg advisory lock key: "dcfinexp" as a signed 64-bit integer, shared by every process.
ADVISORY_LOCK_KEY = int.from_bytes(b"dcfinexp", "big") & 0x7FFF_FFFF_FFFF_FFFF
RUN_AT = {"day_of_week": "mon", "hour": 6, "minute": 0}
DEFAULT_CATCH_UP_WEEKS = 4
CATCH_UP_EVERY_MINUTES = 30
# Two triggers in one process wait for each other (one lock per event loop); processes use the advisory lock.
_in_process: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _process_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _in_process.get(loop)
    if lock is None:
        lock = _in_process[loop] = asyncio.Lock()
    return lock


def outbox_dir(settings: Any) -> Path:
    """Where files go: ``DOMICARE_EXPORT_OUTBOX``, else ``<data_dir>/outbox``."""
    configured = os.environ.get("DOMICARE_EXPORT_OUTBOX") or getattr(settings, "export_outbox", None)
    return Path(configured) if configured else Path(settings.data_dir) / "outbox"


def due_weeks(now: datetime, catch_up_weeks: int = DEFAULT_CATCH_UP_WEEKS) -> list[FinanceWeek]:
    """Weeks whose export time (the following Monday 06:00 London) has passed, oldest first, at most ``catch_up_weeks``."""
    week = week_of(now)
    latest = week.previous
    if london_to_utc(week.start, 6 * 60) > now:  # Monday before 06:00: last week is not due yet
        latest = latest.previous
    weeks = [latest]
    while len(weeks) < catch_up_weeks:
        weeks.append(weeks[-1].previous)
    return sorted(weeks, key=lambda w: w.ending)


class _AdvisoryLock:
    """A session-level PostgreSQL advisory lock held on one connection for the job; a no-op elsewhere."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self.session: AsyncSession | None = None

    async def acquire(self) -> bool:
        self.session = self.sessionmaker()
        if self.session.bind is None or self.session.bind.dialect.name != "postgresql":
            return True
        got = (await self.session.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})).scalar()
        await self.session.commit()  # the lock is session-level: it outlives the transaction, not the connection
        return bool(got)

    async def release(self, held: bool) -> None:
        if self.session is None:
            return
        try:
            if held and self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
                await self.session.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                await self.session.commit()
        finally:
            await self.session.close()


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


async def run_weekly_exports(settings: Any, sessionmaker: async_sessionmaker[AsyncSession], now: datetime | None = None,
                             catch_up_weeks: int = DEFAULT_CATCH_UP_WEEKS) -> list[Path]:
    """Write every due, not yet written weekly file to the outbox; returns the files written.

    Safe to call from every process at once: only the holder of the advisory lock works,
    and a (provider, week, format) already recorded is never written again.
    """
    now = now or utc_now()
    async with _process_lock():
        return await _run_locked(settings, sessionmaker, now, catch_up_weeks)


async def _run_locked(settings: Any, sessionmaker: async_sessionmaker[AsyncSession], now: datetime,
                      catch_up_weeks: int) -> list[Path]:
    lock = _AdvisoryLock(sessionmaker)
    held = await lock.acquire()
    if not held:
        logger.info("weekly finance export already running in another process")
        await lock.release(False)
        return []
    written: list[Path] = []
    try:
        scope = TenantScope.system()
        async with sessionmaker() as session:
            providers = list(await ProviderDirectory(session, scope).list())
        outbox = outbox_dir(settings)
        for week in due_weeks(now, catch_up_weeks):
            for provider, authority in providers:
                assert provider.id is not None
                if not await _has_visits(sessionmaker, provider.id, week):
                    continue
                for export_format in services.EXPORT_FORMATS:
                    if await _already_done(sessionmaker, provider.id, week, export_format):
                        continue
                    path = await _write_one(settings, sessionmaker, scope, outbox, week, provider, authority, export_format)
                    if path is not None:
                        written.append(path)
    finally:
        await lock.release(held)
    if written:
        logger.info("weekly finance export wrote %d file(s) to %s", len(written), outbox_dir(settings))
    return written


async def _write_one(settings: Any, sessionmaker: async_sessionmaker[AsyncSession], scope: TenantScope, outbox: Path,
                     week: FinanceWeek, provider: Any, authority: Any, export_format: str) -> Path | None:
    targets = await services.prepare_export(sessionmaker, scope, week, export_format, [(provider, authority)], None,
                                            getattr(settings, "late_tolerance_minutes", 30))
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
        except IntegrityError:  # another process recorded it first (only possible without the lock)
            await session.rollback()
            path.unlink(missing_ok=True)
            return None
    return path


def schedule_finance_jobs(scheduler: Any, settings: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Add the weekly export (Mondays 06:00 Europe/London) and a catch-up run now to an APScheduler 3 scheduler.

    The scheduler must run coroutines on the app's event loop (``AsyncIOScheduler``), because the
    sessionmaker's engine belongs to that loop.
    """
    from apscheduler.triggers.cron import CronTrigger

    scheduler.add_job(
        run_weekly_exports, CronTrigger(timezone=LONDON, **RUN_AT), args=[settings, sessionmaker], id=JOB_ID,
        name="weekly finance export", replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=6 * 3600,
    )
    scheduler.add_job(
        run_weekly_exports, "date", run_date=utc_now() + timedelta(seconds=5), args=[settings, sessionmaker],
        id=CATCH_UP_JOB_ID, name="weekly finance export catch-up", replace_existing=True, misfire_grace_time=None,
    )


def register_jobs(scheduler: Any, settings: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Hook for :class:`backend.scheduling.runner.JobScheduler`: the Monday 06:00 London export, made up
    at start-up when its fire time was missed, plus an idempotent half-hourly pass that catches up any
    week still missing (the first start, or a failed run) without ever writing a week twice."""

    async def weekly_export(now: datetime) -> dict[str, int]:
        return {"files": len(await run_weekly_exports(settings, sessionmaker, now))}

    async def catch_up(now: datetime) -> dict[str, int]:
        written = await run_weekly_exports(settings, sessionmaker, now)
        return {"files": len(written)} if written else {}

    scheduler.add_cron("finance.weekly_export", weekly_export, catch_up=True, **RUN_AT)
    scheduler.add_interval("finance.weekly_export_catch_up", catch_up, minutes=CATCH_UP_EVERY_MINUTES)
