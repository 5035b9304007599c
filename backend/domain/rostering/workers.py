"""Worker processes for solves, so the API's event loop never waits on the (pure Python) solver.

One small process pool per API process (the ``roster_workers`` setting, default 1), started with
``spawn`` so workers inherit no event loop, sockets or threads. Workers report progress on a
queue that a daemon thread in the API process drains into per-job slots the job runner reads.
Workers end with the process that started them, even when it is SIGKILLed (see
:mod:`shared.parent_death`), and the app's shutdown ends them with any solve they were running.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue as queue_module
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from rostering.model import RosterSolution
from rostering.solvers import engine

from backend.config import environment_setting
from shared.parent_death import exit_with_parent
from backend.domain.rostering.solving import SolveProgress, SolveRequest, Throttled, solve

_progress_queue: Any = None  # set in each worker by _init_worker


def _init_worker(progress_queue: Any, parent_pid: int) -> None:
    global _progress_queue
    exit_with_parent(parent_pid)
    _progress_queue = progress_queue
    # The search kernels are compiled (20-70 s on 2 busy cores) or loaded from numba's cache (about
    # a second) before the worker takes a solve, so no job's clock pays for it; compiled here, the
    # cache is also there for the patch processes a large day starts.
    engine.warm_up()


def _ready() -> bool:
    return True


def _run_in_worker(key: str, request: SolveRequest) -> list[RosterSolution]:
    def report(progress: SolveProgress) -> None:
        try:
            _progress_queue.put_nowait((key, progress))
        except Exception:  # noqa: BLE001 - progress is best effort, the solve must go on
            pass

    return solve(request, Throttled(report))


class SolverPool:
    """A lazily started process pool plus the progress channel back from its workers."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._queue: Any = None
        self._latest: dict[str, SolveProgress] = {}

    def _start(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context("spawn")
                self._queue = context.Queue()
                self._executor = ProcessPoolExecutor(
                    self.workers, mp_context=context, initializer=_init_worker,
                    initargs=(self._queue, os.getpid()),
                )
                threading.Thread(target=self._drain, args=(self._queue,), name="roster-progress", daemon=True).start()
            return self._executor

    def _drain(self, progress_queue: Any) -> None:
        while True:
            try:
                item = progress_queue.get()
            except (EOFError, OSError, ValueError, queue_module.Empty):
                return
            if item is None:  # the pool shut down
                return
            key, report = item
            self._latest[key] = report

    async def warm_up(self) -> None:
        """Start a worker now and wait until its kernels are ready (``domicare worker`` does, before taking jobs)."""
        await asyncio.wrap_future(self._start().submit(_ready))

    def latest(self, key: str) -> SolveProgress | None:
        """The newest progress report of a running solve, if any arrived yet."""
        return self._latest.get(key)

    async def solve(self, key: str, request: SolveRequest) -> list[RosterSolution]:
        """Run the solve in a worker process and await its solutions without blocking the loop."""
        try:
            future = self._start().submit(_run_in_worker, key, request)
        except BrokenProcessPool:
            self.shutdown()
            future = self._start().submit(_run_in_worker, key, request)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self.shutdown()
            raise
        finally:
            self._latest.pop(key, None)

    def shutdown(self) -> None:
        """End the workers now, with any solve they are running (the pool starts again on next use).

        ``ProcessPoolExecutor.shutdown`` alone waits for running solves to finish, which keeps a
        stopping server alive for the length of a solve; its workers are terminated here instead
        (``_processes`` is the executor's table of them; Python 3.14 adds ``terminate_workers``).
        """
        with self._lock:
            executor, self._executor = self._executor, None
            if executor is None:
                return
            self._queue.put(None)  # ends this pool's progress thread
            processes = list((executor._processes or {}).values())  # noqa: SLF001 - see the docstring
            executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)


_pool: SolverPool | None = None


def solver_pool() -> SolverPool:
    """This process's solver pool."""
    global _pool
    if _pool is None:
        _pool = SolverPool(max(1, environment_setting("roster_workers")))
    return _pool
