"""``domicare roster-providers``: queue a day's rota for every provider (or some), solved side by side.

    domicare roster-providers --date 2026-11-26 [--provider 3 --provider 5] [--time-limit 60] [--no-wait]

With ``DOMICARE_JOB_QUEUE`` set the jobs go to the queue's workers (``--no-wait`` returns at once);
without it they run in this command's solver pool, ``DOMICARE_ROSTER_WORKERS`` at a time. Waiting,
it shows the jobs' progress and prints one JSON line: each job's provider, status, stage and result.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date
from typing import Any

from domicare.errors import CommandError
from domicare.progress import Progress

POLL_SECONDS = 1.0


def register(subparsers: Any) -> None:
    """Add ``domicare roster-providers``."""
    command = subparsers.add_parser("roster-providers", help="queue a day's rota for every provider (one job each)")
    command.add_argument("--date", required=True, type=date.fromisoformat, help="the day to roster, YYYY-MM-DD")
    command.add_argument("--provider", type=int, action="append", default=[], help="a provider id (repeat; default every provider)")
    command.add_argument("--days", type=int, default=1, help="days from --date, solved in order (1-7)")
    command.add_argument("--time-limit", type=float, default=15.0, help="solver seconds per day (1-600)")
    command.add_argument("--no-wait", action="store_true", help="return once queued (needs DOMICARE_JOB_QUEUE)")
    command.add_argument("--database-url", default=None, help="overrides DOMICARE_DATABASE_URL")
    command.set_defaults(handler=run_roster_providers)


def _summary(job: Any) -> dict[str, Any]:
    result = job.result or {}
    return {"id": job.id, "provider_id": job.provider_id, "status": str(job.status), "stage": job.stage,
            "progress": job.progress, "unassigned_visits": (result.get("objective") or {}).get("unassigned_visits"),
            "solve_seconds": result.get("solve_seconds"), "worker": job.worker, "error": job.error}


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    import msgspec

    from backend.config import load_settings
    from backend.database.engine import create_engine, session_factory
    from backend.domain.rostering import citywide, jobs
    from backend.domain.rostering.models import RosterJobStatus
    from backend.domain.rostering.schemas import RosterRequest
    from backend.jobqueue import close_job_queues

    settings = load_settings(args.database_url)
    if args.no_wait and not settings.job_queue:
        raise CommandError("--no-wait needs a job queue (DOMICARE_JOB_QUEUE): without one the jobs run in this command")
    try:
        request = msgspec.convert({"date": args.date, "days": args.days, "time_limit_s": args.time_limit}, RosterRequest)
    except msgspec.ValidationError as exc:
        raise CommandError(str(exc)) from exc
    engine = create_engine(settings.database_url)
    sessionmaker = session_factory(engine)
    try:
        try:
            job_ids = await citywide.queue_provider_days(settings, sessionmaker, request, args.provider)
        except citywide.UnknownProviders as exc:
            raise CommandError(str(exc)) from exc
        if args.no_wait:
            return {"jobs": [_summary(job) for job in await citywide.job_rows(sessionmaker, job_ids)]}
        with Progress("roster providers", total=len(job_ids), unit="jobs") as progress:
            while True:
                rows = await citywide.job_rows(sessionmaker, job_ids)
                finished = [r for r in rows if r.status in (RosterJobStatus.DONE, RosterJobStatus.FAILED)]
                progress.update(sum(r.progress for r in rows), done_jobs=len(finished),
                                running=sum(r.status == RosterJobStatus.RUNNING for r in rows))
                if len(finished) == len(rows):
                    break
                for row in rows:  # a job lost with its worker is sent again, as an API read would
                    await jobs.revive(settings, sessionmaker, row)
                await asyncio.sleep(POLL_SECONDS)
        return {"jobs": [_summary(job) for job in rows]}
    finally:
        await jobs.stop_running_jobs()
        await close_job_queues()
        await engine.dispose()


def run_roster_providers(args: argparse.Namespace) -> int:
    """Queue the jobs, wait for them unless told not to, and print one JSON line; 1 when a job failed."""
    outcome = asyncio.run(_run(args))
    print(json.dumps(outcome, default=str))
    return 1 if any(job["status"] == "failed" for job in outcome["jobs"]) else 0
