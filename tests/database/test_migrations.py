"""Migrations bring an empty database to exactly the tables the models declare, on both databases."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from backend.database.engine import create_engine
from backend.tables import metadata
from backend.database.migrate import upgrade


def _tables(url: str) -> set[str]:
    async def run() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(run())


def test_upgrade_creates_every_model_table_and_is_repeatable(empty_db_url: str) -> None:
    asyncio.run(upgrade(empty_db_url))  # a second upgrade is a no-op, not an error
    tables = _tables(empty_db_url)
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models_exactly(empty_db_url: str) -> None:
    """Autogenerate against a migrated database finds nothing to do: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    async def run() -> list:
        engine = create_engine(empty_db_url)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": False}), metadata)
            )
        await engine.dispose()
        return diff

    assert asyncio.run(run()) == []
