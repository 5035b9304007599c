"""The welfare area's scheduled job: escalate every check left unanswered past its wait, each minute."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.domain.welfare.services import escalate_due
from backend.scheduling.runner import JobScheduler


def register_jobs(scheduler: JobScheduler, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Add the escalation of unanswered welfare checks to the scheduler."""

    async def escalation(now: datetime) -> dict[str, Any]:
        return msgspec.structs.asdict(await escalate_due(sessionmaker, now))

    scheduler.add_interval("welfare.escalation", escalation, minutes=1)
