"""The job queue: heavy work (roster solves, the weekly finance export) sent to worker processes.

Two ways to run a job, chosen by the ``job_queue`` setting:

- unset (the demo: SQLite, no services): the API process runs it itself, its solves in its own
  small process pool (``backend.domain.rostering.workers``);
- a Redis URL: the job goes through SAQ (a maintained asyncio job queue on Redis) to any number of
  ``domicare worker`` processes, on this machine or others, that share the database.

An area states its jobs as :class:`Task` s (a name and an async function of the worker's
:class:`TaskContext` and JSON-able keyword arguments); ``backend.worker`` lists them all. The database
row of a job stays its record (status, progress, result); the queue only carries "run this now" to
a worker, so a message lost with a dead worker is sent again when the row shows nobody working on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from saq import Queue, Worker
from saq.job import Job
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.engine import create_engine, session_factory

logger = logging.getLogger("domicare.jobqueue")

# A running job silent this long in the queue is taken to be lost with its worker. Long, because loading a
# city provider's day reports nothing for a while; the job's own row (heartbeat every second, stale after
# 30 s) is what brings a lost job back sooner.
HEARTBEAT_SECONDS = 300


@dataclass(frozen=True, slots=True)
class TaskContext:
    """What a task gets in a worker: the settings, a database session factory, and its progress channel."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    job: Job | None = None

    async def report(self, progress: float, stage: str) -> None:
        """Record the job's progress (0..1) and stage in the queue (where the queue's own tools show it)."""
        if self.job is not None:
            await self.job.update(progress=round(progress, 3), meta={"stage": stage})


TaskFunction = Callable[..., Awaitable[Any]]
ProgressSink = Callable[[float, str], Awaitable[None]]
"""Where a job's progress goes besides its own record: (fraction done 0..1, stage in words)."""


@dataclass(frozen=True, slots=True)
class Task:
    """A job kind a worker runs: ``await function(context, **kwargs)``."""

    name: str
    function: TaskFunction


class JobQueue:
    """A connection to the queue (SAQ on Redis) through which API processes send jobs to workers."""

    def __init__(self, url: str, name: str) -> None:
        self.saq = Queue.from_url(url, name=name)
        self.loop = asyncio.get_running_loop()  # the connection belongs to the event loop that made it
        self._connected = False

    async def connect(self) -> None:
        """Open the connection (once)."""
        if not self._connected:
            await self.saq.connect()
            self._connected = True

    async def close(self) -> None:
        """Close the connection."""
        if self._connected:
            await self.saq.disconnect()
            self._connected = False

    async def enqueue(self, task: str, *, key: str, timeout_s: float, **kwargs: Any) -> bool:
        """Send a job; ``False`` when a job with this key is already waiting or running (sent once only).

        ``timeout_s`` bounds the run (a worker cancels it after that); a job also counts as lost when
        its worker stops reporting for :data:`HEARTBEAT_SECONDS`.
        """
        await self.connect()
        job = await self.saq.enqueue(task, key=key, timeout=max(1, int(timeout_s)), heartbeat=HEARTBEAT_SECONDS,
                                     retries=1, **kwargs)
        return job is not None

    async def job_info(self, key: str) -> Job | None:
        """The queue's record of a job (status, progress, meta), while it keeps it."""
        await self.connect()
        return await self.saq.job(key)


_queues: dict[tuple[str, str, int], JobQueue] = {}  # (url, name, event loop): a connection serves one loop


def job_queue(settings: Settings) -> JobQueue | None:
    """This event loop's connection to the configured queue, or ``None``: jobs run in this process."""
    if not settings.job_queue:
        return None
    loop = asyncio.get_running_loop()
    key = (settings.job_queue, settings.job_queue_name, id(loop))
    if key not in _queues or _queues[key].loop is not loop:  # (an id is reused once its loop is gone)
        _queues[key] = JobQueue(settings.job_queue, settings.job_queue_name)
    return _queues[key]


async def close_job_queues() -> None:
    """Close this event loop's queue connections (at shutdown)."""
    loop = id(asyncio.get_running_loop())
    for key in [key for key in _queues if key[2] == loop]:
        await _queues.pop(key).close()


def _wrap(task: Task) -> tuple[str, Callable[..., Awaitable[Any]]]:
    async def run(ctx: dict[str, Any], **kwargs: Any) -> Any:
        context = TaskContext(ctx["settings"], ctx["sessionmaker"], ctx.get("job"))
        return await task.function(context, **kwargs)

    return task.name, run


def build_worker(settings: Settings, tasks: Sequence[Task], concurrency: int) -> Worker:
    """A queue worker running ``tasks``, at most ``concurrency`` at once, with its own database engine."""
    if not settings.job_queue:
        raise ValueError("no job queue is configured (DOMICARE_JOB_QUEUE)")
    engine = create_engine(settings.database_url)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        ctx["sessionmaker"] = session_factory(engine)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await engine.dispose()

    return Worker(
        Queue.from_url(settings.job_queue, name=settings.job_queue_name),
        [_wrap(task) for task in tasks],
        concurrency=concurrency, startup=startup, shutdown=shutdown,
        shutdown_grace_period_s=0,  # a stopping worker cancels its jobs; another worker takes them over
    )
