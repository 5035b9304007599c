"""SQLAlchemy's aiosqlite adapter with one thread hop per statement.

aiosqlite runs every call on the connection's own thread and hands the answer back to the event
loop; SQLAlchemy's adapter makes four such calls for each statement (open a cursor, execute, fetch
the rows, close the cursor). Each hop wakes the thread and then the loop, which costs more CPU than
the small statements of a check-in themselves. Here the four steps run as one function on the
connection's thread: the same statements in the same order on the same thread, so locking and
the loop's freedom while SQLite waits for the write lock are unchanged.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)

_Answer = tuple[Any, list[Any], int, int]  # description, rows, lastrowid, rowcount


def _execute(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Answer:
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, [], cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _executemany(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Answer:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return None, [], cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement, rows and close are one call on the connection's thread."""

    __slots__ = ()

    def _run(self, step: Any, operation: str, parameters: Any) -> None:
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            # aiosqlite's own way of running a function on its thread (what its cursor methods call).
            description, rows, lastrowid, rowcount = self.await_(driver._execute(step, driver._conn, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self.description = description
        self._rows = deque(rows)
        self.lastrowid, self.rowcount = lastrowid, rowcount

    def execute(self, operation: Any, parameters: Any = None) -> None:
        """Run one statement and keep all its rows (what the adapter's client-side cursor does)."""
        self._run(_execute, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        """Run one statement for each parameter set."""
        self._run(_executemany, operation, seq_of_parameters)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The adapter's connection handing out :class:`OneHopCursor` (server-side cursors stay as they were)."""

    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        """A cursor; a server-side one fetches in steps, so it keeps the adapter's own."""
        return AsyncAdapt_aiosqlite_ss_cursor(self) if server_side else OneHopCursor(self)


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module given to the engine (``create_async_engine(..., module=...)``)."""

    def connect(self, *args: Any, **kwargs: Any) -> OneHopConnection:
        """A connection whose cursors take one thread hop a statement."""
        adapted = super().connect(*args, **kwargs)
        return OneHopConnection(self, adapted._connection)


def one_hop_dbapi() -> OneHopDBAPI:
    """The adapter module for a SQLite engine."""
    return OneHopDBAPI(aiosqlite, sqlite3)
