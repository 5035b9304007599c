"""Async engine and session factory for SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from backend.database.sqlite_driver import one_hop_dbapi


class UnstorableTextError(ValueError):
    """Text holding a NUL character, which PostgreSQL cannot store (and SQLite would keep silently)."""


_SCALARS = (int, float, bool, type(None))


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (tuple, list)):
        # Numbers are skipped without a call each: a board's statement binds hundreds of ids.
        return any(_holds_nul(item) for item in value if not isinstance(item, _SCALARS))
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    return False


def _json_without_nul(value: Any) -> str:
    """JSON columns' serializer: the text of a JSON document, refusing NUL characters anywhere in it.

    Serialized, a NUL becomes the six characters ``\u0000``, which the cursor hook below cannot see and
    both databases would store, so JSON is checked here, before it is text.
    """
    if _holds_nul(value):
        raise UnstorableTextError("text must not contain NUL (U+0000) characters")
    return json.dumps(value)


def _refuse_nul_text(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _many: bool) -> None:
    # Refused before the statement is sent, so the transaction stays usable and
    # both databases answer the same way wherever the text came from.
    if _holds_nul(parameters):
        raise UnstorableTextError("text must not contain NUL (U+0000) characters")


def _unwrap_unstorable_text(context: Any) -> BaseException | None:
    # SQLAlchemy wraps an error raised while it serializes parameters; raise ours as it is, so
    # the API answers it as the client's mistake wherever it happened.
    original = context.original_exception
    return original if isinstance(original, UnstorableTextError) else None


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets other processes read while we write; a busy timeout turns
    # short lock waits into waits instead of "database is locked" errors.
    # Transactions are begun by us (see _begin_immediate), not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with
    # "database is locked" when another connection wrote in between; taking
    # the write lock up front makes it wait its turn instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


IDLE_PING_SECONDS = 10.0


def _note_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # A pooled connection used in the last few seconds is alive; one idle for longer may have been cut (a
    # database restart, a firewall), so it is pinged before use and replaced if dead. Pinging on every
    # checkout (pool_pre_ping) costs a check-in three extra round trips (BEGIN, a ping, ROLLBACK with asyncpg).
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:  # the driver's error for a dead connection, whatever it is
        raise DisconnectionError("pooled connection is dead; the pool will open another") from exc


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for the URL, with SQLite tuned for concurrent access.

    SQLite allows one writer at a time, so one process uses one connection:
    requests queue for it in order instead of racing for the file lock.
    """
    if database_url.startswith("sqlite"):
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        engine = create_async_engine(database_url, connect_args={"timeout": 30}, json_serializer=_json_without_nul,
                                     module=one_hop_dbapi(), **kwargs)
        event.listen(engine.sync_engine, "connect", _enable_sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
    else:
        engine = create_async_engine(database_url, pool_size=10, max_overflow=20, json_serializer=_json_without_nul,
                                     **kwargs)
        event.listen(engine.sync_engine.pool, "checkin", _note_idle)
        event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
    event.listen(engine.sync_engine, "before_cursor_execute", _refuse_nul_text)
    event.listen(engine.sync_engine, "handle_error", _unwrap_unstorable_text)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def autocommit_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose every statement is its own transaction, for work that is one statement or atomic
    statement by statement: every request's session check, and a carer's action on PostgreSQL (one read,
    then one statement writing everything).

    On PostgreSQL they run in autocommit, so a statement is its only round trip (a transaction would add a
    BEGIN and a COMMIT or ROLLBACK with asyncpg). SQLite keeps its transactions: its driver's isolation
    setting is what makes :func:`_begin_immediate` work, and switching it per session would undo that.
    """
    if engine.dialect.name == "sqlite":
        return session_factory(engine)
    return session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))
