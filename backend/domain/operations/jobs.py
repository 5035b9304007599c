"""The operations area's scheduled jobs: visit watch and escalation every minute, retention nightly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.domain.operations.channels import channels_from_settings
from backend.domain.operations.escalation import deliver, escalate
from backend.domain.operations.paging import queue_alarm_pages
from backend.domain.operations.retention import apply_retention
from backend.domain.operations.visit_watch import watch_visits
from backend.scheduling.runner import JobScheduler


def register_jobs(scheduler: JobScheduler, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Add the operations jobs to the scheduler."""
    channels = channels_from_settings(settings)

    async def visit_watch(now: datetime) -> dict[str, Any]:
        counts = msgspec.structs.asdict(await watch_visits(sessionmaker, settings, now))
        if counts["family_notifications"]:
            # Families hear at once rather than on the next escalation pass; claiming keeps the two passes apart.
            counts["delivery"] = msgspec.structs.asdict(await deliver(sessionmaker, channels, now))
        return counts

    async def escalation(now: datetime) -> dict[str, Any]:
        counts = await queue_alarm_pages(sessionmaker, settings, now, counts=await escalate(sessionmaker, settings, now))
        return msgspec.structs.asdict(await deliver(sessionmaker, channels, now, counts))

    async def retention(now: datetime) -> dict[str, int]:
        return await apply_retention(sessionmaker, settings, now)

    scheduler.add_interval("operations.visit_watch", visit_watch, minutes=1)
    scheduler.add_interval("operations.escalation", escalation, minutes=1)
    scheduler.add_cron("operations.retention", retention, hour=3, minute=30)
