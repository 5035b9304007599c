"""``domicare export``: write a week's finance portal file from the command line; ``domicare finance
refresh|check``: prepare the billing figures of changed visits, or compare a week's with the raw record.

    domicare export --week-ending 2025-01-05 [--provider PRV001] --format abacus-csv --out week.csv
    domicare finance refresh
    domicare finance check --week-ending 2025-01-05 [--provider PRV001]

Each run records a new export version per provider (a new, never reused FileReference) and
prints one JSON line: the file references, rows, visits and claimed minutes written.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from domicare.errors import CommandError
from domicare.progress import Progress


def register(subparsers: Any) -> None:
    """Add ``domicare export``."""
    export = subparsers.add_parser("export", help="export a week for the authority's finance portal")
    export.add_argument("--week-ending", required=True, help="the Sunday ending the week (Europe/London), YYYY-MM-DD")
    export.add_argument("--provider", default=None, help="provider code or id (default: every provider)")
    export.add_argument("--format", required=True, choices=("abacus-csv", "evv-json"))
    export.add_argument("--out", required=True, help="file to write ('-' for standard output)")
    export.add_argument("--database-url", default=None, help="overrides DOMICARE_DATABASE_URL")
    export.set_defaults(handler=run_export)

    finance = subparsers.add_parser("finance", help="the prepared billing figures behind reconciliation")
    actions = finance.add_subparsers(dest="action", metavar="ACTION", required=True)
    refresh = actions.add_parser("refresh", help="prepare the figures of every visit changed since they were made")
    refresh.add_argument("--database-url", default=None, help="overrides DOMICARE_DATABASE_URL")
    refresh.set_defaults(handler=run_refresh)
    check = actions.add_parser("check", help="compare a week's prepared figures with a recomputation from the record")
    check.add_argument("--week-ending", required=True, help="the Sunday ending the week (Europe/London), YYYY-MM-DD")
    check.add_argument("--provider", default=None, help="provider code or id (default: every provider)")
    check.add_argument("--database-url", default=None, help="overrides DOMICARE_DATABASE_URL")
    check.set_defaults(handler=run_check)


async def export_week(database_url: str, week_ending: str, provider: str | None, export_format: str, out: Path | None,
                      late_tolerance_minutes: int = 30) -> dict[str, Any]:
    """Export to ``out`` (stdout when ``None``) and describe what was written."""
    from backend.database.engine import create_engine, session_factory
    from backend.database.tenancy import TenantScope
    from backend.domain.finance import services
    from backend.domain.finance.exports import RunningTotals
    from backend.domain.finance.repositories import ProviderDirectory
    from backend.domain.finance.weeks import parse_week_ending

    try:
        week = parse_week_ending(week_ending)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    engine = create_engine(database_url)
    sessionmaker = session_factory(engine)
    scope = TenantScope.system()
    try:
        async with sessionmaker() as session:
            directory = ProviderDirectory(session, scope)
            if provider is not None:
                found = await directory.find(provider)
                if found is None:
                    raise CommandError(f"no provider {provider!r}")
                providers = [found]
            else:
                providers = list(await directory.list())
        if not providers:
            raise CommandError("the database holds no providers")
        targets = await services.prepare_export(sessionmaker, scope, week, export_format, providers, None,
                                                late_tolerance_minutes)
        totals = RunningTotals()
        stream = services.stream_export(sessionmaker, scope, week, export_format, targets, totals)
        with Progress("export", unit="visits") as progress:
            if out is None:
                async for piece in stream:
                    sys.stdout.buffer.write(piece)
                    progress.update(totals.visits, rows=totals.rows)
                sys.stdout.flush()
            else:
                out.parent.mkdir(parents=True, exist_ok=True)
                partial = out.with_name(out.name + ".partial")
                with partial.open("wb") as handle:
                    async for piece in stream:
                        handle.write(piece)
                        progress.update(totals.visits, rows=totals.rows)
                os.replace(partial, out)
    finally:
        await engine.dispose()
    return {
        "week_ending": week.ending.isoformat(), "format": export_format,
        "file_references": [t.batch.file_reference for t in targets], "rows": totals.rows, "visits": totals.visits,
        "claimed_minutes": totals.claimed_minutes, "out": str(out) if out else "-",
    }


async def refresh_figures(database_url: str, late_tolerance_minutes: int) -> dict[str, Any]:
    """Prepare every queued visit's figures."""
    from backend.database.engine import create_engine, session_factory
    from backend.domain.finance.jobs import prepare_all

    engine = create_engine(database_url)
    try:
        started = time.perf_counter()
        visits = await prepare_all(session_factory(engine), late_tolerance_minutes)
        return {"prepared_visits": visits, "seconds": round(time.perf_counter() - started, 2)}
    finally:
        await engine.dispose()


async def check_figures(database_url: str, week_ending: str, provider: str | None,
                        late_tolerance_minutes: int) -> dict[str, Any]:
    """Compare a week's prepared figures with a recomputation from the raw record."""
    from backend.database.engine import create_engine, session_factory
    from backend.database.tenancy import TenantScope
    from backend.domain.finance import services
    from backend.domain.finance.repositories import ProviderDirectory
    from backend.domain.finance.weeks import parse_week_ending

    try:
        week = parse_week_ending(week_ending)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    engine = create_engine(database_url)
    scope = TenantScope.system()
    try:
        async with session_factory(engine)() as session:
            provider_id = None
            if provider is not None:
                found = await ProviderDirectory(session, scope).find(provider)
                if found is None:
                    raise CommandError(f"no provider {provider!r}")
                provider_id = found[0].id
            differences = await services.check_prepared(session, scope, week, provider_id=provider_id,
                                                        late_tolerance_minutes=late_tolerance_minutes)
    finally:
        await engine.dispose()
    return {"week_ending": week.ending.isoformat(), "equal": not differences, "differences": differences[:50],
            "difference_count": len(differences)}


def run_refresh(args: argparse.Namespace) -> int:
    """``domicare finance refresh``."""
    from backend.config import load_settings

    settings = load_settings(args.database_url)
    print(json.dumps(asyncio.run(refresh_figures(settings.database_url, settings.late_tolerance_minutes))))
    return 0


def run_check(args: argparse.Namespace) -> int:
    """``domicare finance check``: exit code 1 when any prepared figure differs from the record."""
    from backend.config import load_settings

    settings = load_settings(args.database_url)
    summary = asyncio.run(check_figures(settings.database_url, args.week_ending, args.provider,
                                        settings.late_tolerance_minutes))
    print(json.dumps(summary))
    return 0 if summary["equal"] else 1


def run_export(args: argparse.Namespace) -> int:
    """``domicare export``."""
    from backend.config import load_settings
    from backend.startup_heap import freeze_startup_heap

    settings = load_settings(args.database_url)
    out = None if args.out == "-" else Path(args.out)
    # A city's week is millions of short-lived rows. What the imports built is frozen, so a collection scans only
    # the export's own objects, and collections run less often: about a third of the export's CPU otherwise, and
    # memory still holds one chunk.
    freeze_startup_heap()
    gc.set_threshold(50_000, 50, 100)
    summary = asyncio.run(export_week(settings.database_url, args.week_ending, args.provider, args.format, out,
                                      settings.late_tolerance_minutes))
    print(json.dumps(summary), file=sys.stderr if out is None else sys.stdout)
    return 0
