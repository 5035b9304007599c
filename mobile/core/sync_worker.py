"""Sends the outbox to ``POST /api/v1/sync`` in batches and records the server's verdicts.

``SyncWorker.sync_once`` drains the outbox oldest first until it is empty or the network
fails; ``BackgroundSync`` runs it on a thread, woken at once when an action is queued and
retrying with exponential backoff plus jitter while the network is down. A batch the
server refuses as a whole (4xx) is split until the offending action is found and marked
rejected on its own, so one bad action never blocks the others.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from mobile.core.api_client import ApiClient, ApiError, NetworkError, NotSignedIn
from mobile.core.outbox import FINAL, Action, Outbox
from shared.visit_actions import SyncStatus

logger = logging.getLogger("domicare.mobile.sync")


@dataclass
class Backoff:
    """Exponential backoff with 'equal jitter': half the step fixed, half random."""

    base_s: float = 1.0
    cap_s: float = 60.0
    rng: random.Random | None = None

    def delay(self, failures: int) -> float:
        step = min(self.cap_s, self.base_s * (2 ** max(0, failures - 1)))
        rng = self.rng or random
        return step / 2 + rng.uniform(0, step / 2)


@dataclass
class SyncReport:
    """What one ``sync_once`` achieved."""

    batches: int = 0
    sent: int = 0
    applied: int = 0
    duplicate: int = 0
    rejected: int = 0
    remaining: int = 0
    error: str | None = None
    network_down: bool = False
    auth_failed: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


class SyncWorker:
    """Moves actions from the outbox to the server, oldest first."""

    def __init__(self, outbox: Outbox, client: ApiClient, *, batch_size: int = 100) -> None:
        self.outbox = outbox
        self.client = client
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def sync_once(self) -> SyncReport:
        """Send everything unsynced; stops at the first network failure (nothing is lost)."""
        report = SyncReport()
        with self._lock:
            while True:
                batch = self.outbox.unsynced(self.batch_size)
                if not batch:
                    break
                try:
                    progressed = self._send(batch, report)
                except NetworkError as exc:
                    report.error, report.network_down = str(exc), True
                    break
                except NotSignedIn as exc:
                    report.error, report.auth_failed = exc.message, True
                    break
                except ApiError as exc:
                    report.error = f"server error: {exc.message}"
                    break
                if not progressed:
                    report.error = "the server did not answer for some actions; will retry"
                    break
        report.remaining = self.outbox.counts().unsynced
        return report

    def _send(self, batch: list[Action], report: SyncReport) -> bool:
        keys = [a.idempotency_key for a in batch]
        self.outbox.mark_sent(keys)
        report.batches += 1
        report.sent += len(batch)
        try:
            results = self.client.sync([a.to_wire() for a in batch])
        except ApiError as exc:
            if isinstance(exc, NotSignedIn) or exc.status in (401, 403) or exc.status >= 500:
                raise
            if len(batch) == 1:  # this action alone is refused: keep the server's reason
                self.outbox.reject(keys[0], exc.problem)
                report.rejected += 1
                return True
            half = len(batch) // 2
            first = self._send(batch[:half], report)
            second = self._send(batch[half:], report)
            return first or second
        wanted = set(keys)
        answered = [r for r in results if r.get("idempotency_key") in wanted]
        self.outbox.record_results(answered)
        for r in answered:
            if r.get("status") in FINAL:  # SyncReport counts each verdict under its own name
                status = SyncStatus(r["status"])
                setattr(report, status.value, getattr(report, status.value) + 1)
        return len(answered) > 0


def sync_until_done(
    worker: SyncWorker,
    *,
    backoff: Backoff | None = None,
    sleep: Callable[[float], None] | None = None,
    max_rounds: int = 1000,
) -> SyncReport:
    """Retry ``sync_once`` with backoff until nothing is left (or ``max_rounds`` failures)."""
    backoff = backoff or Backoff()
    sleep = sleep or threading.Event().wait
    failures = 0
    total = SyncReport()
    for _ in range(max_rounds):
        report = worker.sync_once()
        for name in ("batches", "sent", "applied", "duplicate", "rejected"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.remaining, total.error = report.remaining, report.error
        total.network_down, total.auth_failed = report.network_down, report.auth_failed
        if report.ok and report.remaining == 0:
            return total
        if report.auth_failed:
            return total
        failures += 1
        sleep(backoff.delay(failures))
    return total


class BackgroundSync:
    """Runs the sync worker on a daemon thread: on demand, periodically, and with backoff."""

    def __init__(
        self,
        worker: SyncWorker,
        *,
        backoff: Backoff | None = None,
        idle_interval_s: float = 30.0,
        on_report: Callable[[SyncReport], None] | None = None,
    ) -> None:
        self.worker = worker
        self.backoff = backoff or Backoff()
        self.idle_interval_s = idle_interval_s
        self.on_report = on_report
        self.failures = 0
        self.last_report: SyncReport | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="domicare-sync", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Sync now (an action was queued, or the user asked)."""
        self.failures = 0
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                report = self.worker.sync_once()
            except Exception as exc:  # keep the thread alive whatever happens; the outbox is intact
                logger.exception("sync failed")
                report = SyncReport(error=str(exc), remaining=self.worker.outbox.counts().unsynced)
            self.last_report = report
            if self.on_report is not None:
                self.on_report(report)
            if report.ok:
                self.failures = 0
                wait = self.idle_interval_s
            else:
                self.failures += 1
                wait = self.backoff.delay(self.failures)
            self._wake.wait(wait)
