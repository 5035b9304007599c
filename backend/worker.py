"""The queue worker: the one list of jobs ``domicare worker`` runs, as ``backend.app`` lists the API's routes.

A worker takes jobs from the configured queue (``DOMICARE_JOB_QUEUE``), at most ``roster_workers``
at once (each solve in a solver process of its own, which ends with the worker), on any machine that
reaches the queue and the database.
"""

from __future__ import annotations

import asyncio
import logging

from saq import Worker

from backend.config import Settings
from backend.domain.finance.jobs import QUEUE_TASKS as finance_tasks
from backend.domain.rostering.jobs import QUEUE_TASKS as rostering_tasks
from backend.domain.rostering.workers import solver_pool
from backend.jobqueue import Task, build_worker

QUEUE_TASKS: tuple[Task, ...] = (*rostering_tasks, *finance_tasks)
"""Every area's jobs that run on the queue's workers."""

logger = logging.getLogger("domicare.worker")


def create_worker(settings: Settings) -> Worker:
    """A queue worker for these settings, running every area's jobs."""
    return build_worker(settings, QUEUE_TASKS, concurrency=max(1, settings.roster_workers))


async def run_worker(settings: Settings) -> None:
    """Run a worker until SIGINT/SIGTERM; its solver processes end with it."""
    worker = create_worker(settings)
    try:
        await solver_pool().warm_up()  # the search kernels ready before the first job, whose clock would pay for them
        await worker.queue.connect()
        logger.info("domicare worker taking jobs from queue %r", settings.job_queue_name)
        await worker.start()
    finally:
        solver_pool().shutdown()
        await worker.queue.disconnect()


def main(settings: Settings) -> None:
    """Run a worker in a fresh event loop (the command's body)."""
    asyncio.run(run_worker(settings))
