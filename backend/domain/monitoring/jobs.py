"""The monitoring area's scheduled jobs: device health every 5 minutes, overdue vitals readings hourly.

Both work from stored rows, so they cover what the live MQTT ingest worker cannot see
(webhook hubs, sensors silent since before a restart, deployments without
``DOMICARE_MQTT_INGEST``); the logic is in :mod:`backend.domain.monitoring.health_watch`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.domain.monitoring.health_watch import check_device_health, remind_overdue_vitals
from backend.scheduling.runner import JobScheduler

DEVICE_HEALTH_EVERY_MINUTES = 5
VITALS_OVERDUE_AT_MINUTE = 10  # hourly, off the hour when other hourly work tends to run


def register_jobs(scheduler: JobScheduler, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Add the monitoring jobs to the scheduler (``settings`` is unused: the thresholds are the live watch's)."""

    async def device_health(now: datetime) -> dict[str, Any]:
        counts = await check_device_health(sessionmaker, now)
        return msgspec.structs.asdict(counts) if counts.offline or counts.low_battery else {}

    async def vitals_overdue(now: datetime) -> dict[str, Any]:
        counts = await remind_overdue_vitals(sessionmaker, now)
        return msgspec.structs.asdict(counts) if counts.reminders else {}

    scheduler.add_interval("monitoring.device_health", device_health, minutes=DEVICE_HEALTH_EVERY_MINUTES)
    # A cron job, so an hour missed while no scheduler ran is made up once at start-up.
    scheduler.add_cron("monitoring.vitals_overdue", vitals_overdue, minute=VITALS_OVERDUE_AT_MINUTE)
