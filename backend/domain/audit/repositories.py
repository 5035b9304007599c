"""Appending audit rows in one statement, for the hot paths that write no ORM objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.domain.audit.models import AuditLog

_APPEND = insert(AuditLog.__table__)  # type: ignore[attr-defined]  (built once; only the values change)


async def append_row(executor: AsyncSession | AsyncConnection, row: dict[str, Any]) -> None:
    """Insert one audit row (every column but the id) in the session's (or connection's) transaction."""
    await executor.execute(_APPEND, row)
