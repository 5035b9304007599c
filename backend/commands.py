"""Backend subcommands of ``domicare``: demo, serve, worker, seed and db upgrade."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from domicare.errors import CommandError
from domicare.progress import Progress
from shared.timekeeping import LONDON, utc_now

DEMO_HOST, DEMO_PORT = "127.0.0.1", 8000


def register(subparsers: Any) -> None:
    """Add the backend's commands to the CLI."""
    demo = subparsers.add_parser("demo", help="seed a demo city into SQLite (first run) and serve it")
    demo.add_argument("--port", type=int, default=DEMO_PORT)
    demo.add_argument("--data-dir", default=None, help="where the demo database lives (default ./var)")
    demo.set_defaults(handler=run_demo)

    serve = subparsers.add_parser("serve", help="run the backend on an existing database")
    serve.add_argument("--database-url", default=None, help="overrides DOMICARE_DATABASE_URL")
    serve.add_argument("--host", default=DEMO_HOST)
    serve.add_argument("--port", type=int, default=DEMO_PORT)
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes sharing the port (PostgreSQL only: SQLite allows one writer process)")
    serve.add_argument("--no-access-log", action="store_true", help="do not log each request (load tests, busy servers)")
    serve.set_defaults(handler=run_serve)

    worker = subparsers.add_parser("worker", help="run jobs (roster solves, finance exports) from the job queue")
    worker.add_argument("--database-url", default=None, help="overrides DOMICARE_DATABASE_URL")
    worker.set_defaults(handler=run_worker)

    seed = subparsers.add_parser("seed", help="load deterministic demo data into an empty database")
    seed.add_argument("--size", choices=("small", "city"), default="small")
    seed.add_argument("--seed", type=int, default=1)
    seed.add_argument("--database-url", default=None)
    seed.set_defaults(handler=run_seed)

    db = subparsers.add_parser("db", help="database schema management")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply all migrations")
    upgrade.add_argument("--database-url", default=None)
    upgrade.set_defaults(handler=run_db_upgrade)


def _settings(database_url: str | None) -> Any:
    from backend.config import load_settings

    return load_settings(database_url)


def _one_line(exc: BaseException) -> str:
    cause = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return f"{exc.__class__.__name__}: {cause}"


def _upgrade(database_url: str) -> None:
    from backend.database.migrate import upgrade_sync

    try:
        upgrade_sync(database_url)
    except (OSError, ConnectionError) as exc:
        raise CommandError(f"cannot reach the database at {_redact(database_url)} ({_one_line(exc)})") from exc
    except Exception as exc:
        if exc.__class__.__module__.startswith(("sqlalchemy", "asyncpg", "sqlite3")):
            raise CommandError(f"cannot migrate {_redact(database_url)} ({_one_line(exc)})") from exc
        raise


def _redact(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


def run_db_upgrade(args: argparse.Namespace) -> int:
    """``domicare db upgrade``."""
    settings = _settings(args.database_url)
    _upgrade(settings.database_url)
    print(f"database at {_redact(settings.database_url)} is up to date")
    return 0


async def _seeded_on(database_url: str) -> date | None:
    from backend.database.engine import create_engine
    from backend.seeding import seeded_on

    engine = create_engine(database_url)
    try:
        return await seeded_on(engine)
    finally:
        await engine.dispose()


async def _seed(database_url: str, size: str, seed_value: int, progress: Progress | None = None) -> dict[str, int]:
    from backend.database.engine import create_engine
    from backend.seeding import seed

    engine = create_engine(database_url)
    try:
        if progress is None:
            return await seed(engine, size, seed_value)
        return await seed(engine, size, seed_value, progress.note,
                          lambda loaded, total: progress.update(loaded, total=total))
    except RuntimeError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        await engine.dispose()


def run_seed(args: argparse.Namespace) -> int:
    """``domicare seed``: migrate, then load the demo city."""
    settings = _settings(args.database_url)
    _upgrade(settings.database_url)
    with Progress("seed", unit="rows") as progress:
        counts = asyncio.run(_seed(settings.database_url, args.size, args.seed, progress))
    print(f"seeded {counts.get('client', 0):,} clients, {counts.get('carer', 0):,} carers, {counts.get('visit', 0):,} visits")
    return 0


def _serve(settings: Any, host: str, port: int, workers: int = 1, access_log: bool = True) -> None:
    import uvicorn

    from backend.app import create_app

    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=access_log)
        return
    if workers < 1:
        raise CommandError("--workers must be at least 1")
    if settings.database_url.startswith("sqlite"):
        raise CommandError("SQLite allows one writer process: run one worker, or use PostgreSQL for --workers > 1")
    # Each worker process builds its own app from the environment (uvicorn imports the factory there).
    os.environ["DOMICARE_DATABASE_URL"] = settings.database_url
    uvicorn.run("backend.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info",
                access_log=access_log)


def run_worker(args: argparse.Namespace) -> int:
    """``domicare worker``: take jobs from the queue until stopped (SIGINT, SIGTERM)."""
    import logging

    from backend import worker

    settings = _settings(args.database_url)
    if not settings.job_queue:
        raise CommandError("no job queue is configured: set DOMICARE_JOB_QUEUE (for example redis://127.0.0.1:6379/0)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _upgrade(settings.database_url)
    worker.main(settings)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """``domicare serve``: run the API on an existing, migrated database."""
    settings = _settings(args.database_url)
    _upgrade(settings.database_url)
    _serve(settings, args.host, args.port, args.workers, access_log=not args.no_access_log)
    return 0


def prepare_demo_database(database: Path) -> str:
    """Migrate the demo's SQLite file, seeding it for today when it is new or was seeded on an earlier day."""
    database_url = f"sqlite+aiosqlite:///{database}"
    if database.exists():
        _upgrade(database_url)
        seeded = asyncio.run(_seeded_on(database_url))
        if seeded != utc_now().astimezone(LONDON).date():
            print(f"The demo city in {database} was seeded on {seeded or 'no day'}: seeding it again for today "
                  "(the demo holds sample data only).", flush=True)
            for stale in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm", "-journal"))):
                stale.unlink(missing_ok=True)
    fresh = not database.exists()
    database.parent.mkdir(parents=True, exist_ok=True)
    _upgrade(database_url)
    if fresh:
        asyncio.run(_seed(database_url, "small", 1))
    return database_url


def run_demo(args: argparse.Namespace) -> int:
    """``domicare demo``: a seeded SQLite city for today, then the API with the demo logins printed.

    The demo's day is built around the moment of seeding (what is past delivered, what is to come
    planned), so a demo seeded on an earlier day is stale: it holds sample data only and is seeded again.
    """
    from fixtures.city import DEMO_LOGINS, DEMO_PASSWORD

    if args.data_dir:
        os.environ["DOMICARE_DATA_DIR"] = args.data_dir
    # The demo listens to the local broker too, so a `mosquitto_pub` to zigbee2mqtt/<name> shows up live.
    os.environ.setdefault("DOMICARE_MQTT_INGEST", "1")
    settings = _settings(None)
    database_url = prepare_demo_database(settings.data_dir / "domicare.db")
    settings = msgspec.structs.replace(settings, database_url=database_url)
    print("\nDomicare demo is running at http://%s:%d  (API docs: /schema)" % (DEMO_HOST, args.port))
    print("Demo logins (password %r):" % DEMO_PASSWORD)
    for username, role in DEMO_LOGINS.items():
        print(f"  {username:<20} {role}")
    print(flush=True)
    _serve(settings, DEMO_HOST, args.port)
    return 0
