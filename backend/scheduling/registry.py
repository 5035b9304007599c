"""Collects every area's jobs: ``backend.domain.<area>.jobs.register_jobs(scheduler, settings, sessionmaker)``.

An area without a ``jobs`` module is skipped, as areas without routes are.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.area_modules import area_modules
from backend.config import Settings
from backend.scheduling.runner import JobScheduler

logger = logging.getLogger("domicare.scheduler")

def register_all(scheduler: JobScheduler, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Let every area that has a ``jobs`` module add its jobs."""
    for module in area_modules("jobs"):
        hook = getattr(module, "register_jobs", None)
        if hook is None:
            logger.warning("%s has no register_jobs(scheduler, settings, sessionmaker); its jobs are not scheduled", module.__name__)
            continue
        hook(scheduler, settings, sessionmaker)


def build_scheduler(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> JobScheduler:
    """A scheduler with every area's jobs registered, not yet started."""
    scheduler = JobScheduler(sessionmaker)
    register_all(scheduler, settings, sessionmaker)
    return scheduler
