"""Load the generated demo city into the database in bulk."""

from __future__ import annotations

import sys
from collections.abc import Callable

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.tables import metadata
from backend.domain.accounts.models import Provider
from backend.security.passwords import hash_password
from fixtures.city import DEMO_PASSWORD, CityData, generate_city

CHUNK = 5_000
Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def database_is_empty(engine: AsyncEngine) -> bool:
    """Whether no provider exists yet (the schema must already be there)."""
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(Provider))).scalar_one()) == 0


async def load_city(engine: AsyncEngine, city: CityData, progress: Progress = _stderr) -> dict[str, int]:
    """Insert every generated row in foreign-key order, in one transaction; returns row counts."""
    counts: dict[str, int] = {}
    async with engine.begin() as connection:
        for table in metadata.sorted_tables:
            rows = city.tables.get(table.name, [])
            for start in range(0, len(rows), CHUNK):
                await connection.execute(insert(table), rows[start : start + CHUNK])
            if rows:
                counts[table.name] = len(rows)
                progress(f"  {table.name}: {len(rows):,} rows")
        if connection.dialect.name == "postgresql":
            # Ids were given explicitly, so move each sequence past them.
            for table in city.tables:
                await connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                         f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)")
                )
    return counts


async def seed(engine: AsyncEngine, size: str, seed_value: int, progress: Progress = _stderr) -> dict[str, int]:
    """Generate and load the demo city; refuses to seed a database that already has providers."""
    if not await database_is_empty(engine):
        raise RuntimeError("the database already holds data; seed a fresh database")
    progress(f"generating a {size} city (seed {seed_value})…")
    city = generate_city(size, seed_value, password_hash=hash_password(DEMO_PASSWORD))
    progress("loading it into the database…")
    return await load_city(engine, city, progress)
