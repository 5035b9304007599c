"""Apply Alembic migrations programmatically (``domicare db upgrade`` and the demo)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from backend.database.engine import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at our migrations folder and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


async def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database schema up to ``revision`` (every branch head by default: areas add their own branches)."""
    config = alembic_config(database_url)
    engine = create_engine(database_url)

    def _upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
    finally:
        await engine.dispose()


def upgrade_sync(database_url: str) -> None:
    """Blocking wrapper of :func:`upgrade` for command-line use."""
    asyncio.run(upgrade(database_url))
