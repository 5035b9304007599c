"""Appending audit rows in one statement, for the hot paths that write no ORM objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import BindParameter

from backend.domain.audit.models import AuditLog

_TABLE = AuditLog.__table__  # type: ignore[attr-defined]
_APPEND = insert(_TABLE)  # built once; only the values change
_COLUMNS = tuple(column for column in _TABLE.columns if column.name not in ("id", "detail"))


async def append_row(executor: AsyncSession | AsyncConnection, row: dict[str, Any]) -> None:
    """Insert one audit row (every column but the id) in the session's (or connection's) transaction."""
    await executor.execute(_APPEND, row)


def append_row_sql(source: str, detail_sql: str) -> str:
    """The SQL of an insert appending one audit row for each row of ``source`` (a table or a ``WITH`` part of the
    caller's statement), its columns bound as ``:audit_<column>`` (see :func:`audit_values`) and its detail the
    SQL expression ``detail_sql``: for a statement that writes a change and its audit row at once."""
    return (f"INSERT INTO {_TABLE.name} ({', '.join(c.name for c in _COLUMNS)}, detail) "
            f"SELECT {', '.join(':audit_' + c.name for c in _COLUMNS)}, {detail_sql} FROM {source}")


def audit_bindparams() -> list[BindParameter[Any]]:
    """The typed parameters of :func:`append_row_sql` (times stored as UTC like the ORM's)."""
    return [bindparam("audit_" + c.name, type_=c.type) for c in _COLUMNS]


def audit_values(row: dict[str, Any]) -> dict[str, Any]:
    """An audit row's columns (as :func:`backend.domain.audit.services.audit_row` gives them, detail aside) bound
    for :func:`append_row_sql`."""
    return {"audit_" + c.name: row[c.name] for c in _COLUMNS}
