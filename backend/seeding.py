"""Load the generated demo city into the database in bulk."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from backend.database.bulk import earliest, load_tables, row_count
from backend.domain.accounts.models import Provider, User
from backend.security.passwords import hash_password
from backend.tables import metadata
from fixtures.city import DEMO_PASSWORD, CityData, generate_city
from shared.timekeeping import as_utc, to_london

Progress = Callable[[str], None]
RowsLoaded = Callable[[int, int], None]  # rows loaded so far, rows in the city


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def database_is_empty(engine: AsyncEngine) -> bool:
    """Whether no provider exists yet (the schema must already be there)."""
    return await row_count(engine, Provider) == 0


async def seeded_on(engine: AsyncEngine) -> date | None:
    """The London day a seeded city was generated for (its accounts are made at that moment), or ``None``."""
    first = await earliest(engine, User.created_at)  # type: ignore[arg-type]
    return to_london(as_utc(first)).date() if first is not None else None


async def load_city(engine: AsyncEngine, city: CityData, progress: Progress = _stderr,
                    rows_loaded: RowsLoaded | None = None) -> dict[str, int]:
    """Insert every generated row in foreign-key order, in one transaction; returns row counts."""
    return await load_tables(engine, metadata.sorted_tables, city.tables, progress, rows_loaded)


async def seed(engine: AsyncEngine, size: str, seed_value: int, progress: Progress = _stderr,
               rows_loaded: RowsLoaded | None = None) -> dict[str, int]:
    """Generate and load the demo city; refuses to seed a database that already has providers."""
    if not await database_is_empty(engine):
        raise RuntimeError("the database already holds data; seed a fresh database")
    progress(f"generating a {size} city (seed {seed_value})…")
    city = generate_city(size, seed_value, password_hash=hash_password(DEMO_PASSWORD))
    progress("loading it into the database…")
    return await load_city(engine, city, progress, rows_loaded)
