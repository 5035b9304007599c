"""The hub's scheduled job: remind people whose readings are overdue, by text, in the daytime."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.domain.telehealth.readings import send_reminders
from backend.domain.telehealth.sms import gateway_from_settings
from backend.scheduling.runner import JobScheduler


def register_jobs(scheduler: JobScheduler, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Add the reading reminders to the scheduler (every 15 minutes; each person at most once a day)."""
    gateway = gateway_from_settings(settings)

    async def reminders(now: datetime) -> dict[str, Any]:
        return await send_reminders(sessionmaker, gateway, now)

    scheduler.add_interval("telehealth.reminders", reminders, minutes=15)
