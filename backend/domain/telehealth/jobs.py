"""The hub's scheduled jobs: the caseload's queued people, reminders of overdue readings by day, pages for red
readings out of hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.domain.telehealth.out_of_hours import page_red_readings
from backend.domain.telehealth.readings import send_reminders
from backend.domain.telehealth.sms import gateway_from_settings
from backend.domain.telehealth.worklist import refresh
from backend.scheduling.runner import JobScheduler


def register_jobs(scheduler: JobScheduler, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Add the caseload's kept signs of queued people (every minute, so worklist reads rarely find work), the
    reading reminders (every 15 minutes; each person at most once a day) and out-of-hours pages (every 5)."""
    gateway = gateway_from_settings(settings)

    async def caseload(now: datetime) -> dict[str, Any]:
        async with sessionmaker() as session:
            return {"people": await refresh(session, now)}

    async def reminders(now: datetime) -> dict[str, Any]:
        return await send_reminders(sessionmaker, gateway, now)

    async def pages(now: datetime) -> dict[str, Any]:
        return await page_red_readings(sessionmaker, settings, gateway, now)

    scheduler.add_interval("telehealth.caseload", caseload, minutes=1)
    scheduler.add_interval("telehealth.reminders", reminders, minutes=15)
    scheduler.add_interval("telehealth.out_of_hours", pages, minutes=5)
