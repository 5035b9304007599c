"""``domicare hub refresh|check``: make the caseload's kept signs of every queued person, or compare every hub's
kept worklist with one recomputed from the raw readings.

    domicare hub refresh
    domicare hub check [--at 2026-12-01T23:30:00+00:00]

Each prints one JSON line; ``check`` exits 1 when the kept worklist differs from the recomputation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import datetime
from typing import Any

from domicare.errors import CommandError


def register(subparsers: Any) -> None:
    """Add ``domicare hub``."""
    hub = subparsers.add_parser("hub", help="the telehealth hub's kept caseload")
    actions = hub.add_subparsers(dest="action", metavar="ACTION", required=True)
    refresh = actions.add_parser("refresh", help="make the kept signs of every person whose readings or programme changed")
    refresh.add_argument("--database-url", default=None, help="overrides DOMICARE_DATABASE_URL")
    refresh.set_defaults(handler=run_refresh)
    check = actions.add_parser("check", help="compare every hub's kept worklist with a recomputation from the readings")
    check.add_argument("--at", default=None, help="the moment to compare at, ISO 8601 with its offset (default: now)")
    check.add_argument("--database-url", default=None, help="overrides DOMICARE_DATABASE_URL")
    check.set_defaults(handler=run_check)


async def _with_session(database_url: str, work: Any) -> Any:
    from backend.database.engine import create_engine, session_factory

    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def run_refresh(args: argparse.Namespace) -> int:
    """``domicare hub refresh``."""
    from backend.config import load_settings
    from backend.domain.telehealth.worklist import refresh

    started = time.perf_counter()
    people = asyncio.run(_with_session(load_settings(args.database_url).database_url, refresh))
    print(json.dumps({"people": people, "seconds": round(time.perf_counter() - started, 2)}))
    return 0


def run_check(args: argparse.Namespace) -> int:
    """``domicare hub check``: exit code 1 when the kept worklist differs from the recomputation."""
    from backend.config import load_settings
    from backend.domain.telehealth.worklist import check
    from shared.timekeeping import as_utc, utc_now

    try:
        at = as_utc(datetime.fromisoformat(args.at)) if args.at else utc_now()
    except ValueError as exc:
        raise CommandError(f"--at: {exc}") from exc
    differences = asyncio.run(_with_session(load_settings(args.database_url).database_url,
                                            lambda session: check(session, at)))
    print(json.dumps({"at": at.isoformat(), "equal": not differences, "differences": differences[:50],
                      "difference_count": len(differences)}))
    return 0 if not differences else 1
