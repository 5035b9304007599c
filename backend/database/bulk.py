"""Bulk loading of whole tables (the demo city), for an empty database and outside any tenant's scope."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

CHUNK = 5_000


async def row_count(engine: AsyncEngine, table: Any) -> int:
    """How many rows a table (or model) holds."""
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def earliest(engine: AsyncEngine, column: Any) -> Any:
    """The smallest value of a column over the whole table, or ``None`` when it is empty."""
    async with engine.connect() as connection:
        return (await connection.execute(select(func.min(column)))).scalar_one()


async def load_tables(engine: AsyncEngine, tables: Sequence[Table], rows: Mapping[str, list[dict[str, Any]]],
                      progress: Callable[[str], None],
                      rows_loaded: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Insert the rows of each table, in the order given (foreign keys first), in one transaction.

    Rows carry their ids, so on PostgreSQL each table's sequence is moved past them afterwards.
    ``rows_loaded(loaded, total)`` is called after each chunk, for a progress bar.
    """
    counts: dict[str, int] = {}
    total = sum(len(table_rows) for table_rows in rows.values())
    loaded = 0
    async with engine.begin() as connection:
        for table in tables:
            table_rows = rows.get(table.name, [])
            for start in range(0, len(table_rows), CHUNK):
                chunk = table_rows[start : start + CHUNK]
                await connection.execute(insert(table), chunk)
                loaded += len(chunk)
                if rows_loaded is not None:
                    rows_loaded(loaded, total)
            if table_rows:
                counts[table.name] = len(table_rows)
                progress(f"  {table.name}: {len(table_rows):,} rows")
        if connection.dialect.name == "postgresql":
            for name in rows:
                await connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                         f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 0) + 1, false)")
                )
            # Fresh statistics, or the planner guesses a bulk-loaded table holds a few rows until autovacuum
            # comes round, and scans a week's visits once per client.
            for name in counts:
                await connection.execute(text(f'ANALYZE "{name}"'))
    return counts
