"""The local outbox: every carer action is written here first, with its idempotency key.

An action is committed to SQLite (WAL, synchronous=FULL) before the UI shows it and
before anything is sent. States: ``pending`` (never sent), ``sent`` (sent, answer not yet
recorded), then one of the server's verdicts ``applied``, ``duplicate`` or ``rejected``
(with the server's problem details). A ``sent`` action whose answer was lost (network
drop, app killed) is sent again with the *same* key, so the server replays its first
result instead of writing twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.visit_actions import ActionKind, SyncActionWire, SyncStatus

KINDS = tuple(ActionKind)
UNSYNCED = ("pending", "sent")  # local states, before the server's verdict
DONE = (SyncStatus.APPLIED, SyncStatus.DUPLICATE)
FINAL = tuple(SyncStatus)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    visit_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    problem TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, seq);
CREATE INDEX IF NOT EXISTS outbox_visit ON outbox (visit_id, seq);
CREATE TABLE IF NOT EXISTS visit_draft (
    visit_id INTEGER PRIMARY KEY,
    data TEXT NOT NULL
);
"""


def utc_now_iso() -> str:
    """Device time as ISO-8601 UTC with a ``Z``, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Action:
    """One queued carer action as stored in the outbox."""

    seq: int
    idempotency_key: str
    kind: str
    visit_id: int
    at: str
    payload: dict[str, Any]
    state: str = "pending"
    attempts: int = 0
    result: dict[str, Any] | None = None
    problem: dict[str, Any] | None = None

    def to_wire(self) -> SyncActionWire:
        """The action as an element of ``POST /api/v1/sync``'s ``actions``."""
        return {
            "idempotency_key": self.idempotency_key,
            "kind": self.kind,
            "visit_id": self.visit_id,
            "at": self.at,
            "payload": self.payload,
        }

    @property
    def synced(self) -> bool:
        return self.state in DONE

    @property
    def reason(self) -> str | None:
        """The server's explanation of a rejection, in one line."""
        if not self.problem:
            return None
        return str(self.problem.get("detail") or self.problem.get("title") or "rejected")


@dataclass
class Counts:
    """How much of the outbox is waiting, done or rejected."""

    pending: int = 0
    sent: int = 0
    applied: int = 0
    duplicate: int = 0
    rejected: int = 0
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def unsynced(self) -> int:
        return self.pending + self.sent


class Outbox:
    """A crash-safe queue of carer actions in a SQLite file, safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing -------------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        visit_id: int,
        payload: dict[str, Any],
        *,
        at: str | None = None,
        idempotency_key: str | None = None,
    ) -> Action:
        """Commit a new action (state ``pending``) and return it; durable once this returns."""
        if kind not in KINDS:
            raise ValueError(f"unknown action kind {kind!r}")
        key = idempotency_key or str(uuid.uuid4())
        at = at or utc_now_iso()
        now = utc_now_iso()
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO outbox (idempotency_key, kind, visit_id, at, payload, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, kind, int(visit_id), at, json.dumps(payload), now, now),
            )
            seq = int(cursor.lastrowid or 0)
        return Action(seq, key, kind, int(visit_id), at, payload)

    def mark_sent(self, keys: Sequence[str]) -> None:
        """Record that these actions are about to go on the wire (attempts + 1)."""
        if not keys:
            return
        now = utc_now_iso()
        with self._lock, self._transaction():
            self._db.executemany(
                "UPDATE outbox SET state = CASE WHEN state = 'pending' THEN 'sent' ELSE state END,"
                " attempts = attempts + 1, updated_at = ? WHERE idempotency_key = ? AND state IN ('pending', 'sent')",
                [(now, k) for k in keys],
            )

    def record_results(self, results: Iterable[dict[str, Any]]) -> int:
        """Store the server's verdicts (``applied``/``duplicate``/``rejected``); returns how many."""
        now = utc_now_iso()
        rows = []
        for item in results:
            status = item.get("status")
            if status not in FINAL:
                continue
            rows.append(
                (
                    status,
                    json.dumps(item.get("result")) if item.get("result") is not None else None,
                    json.dumps(item.get("problem")) if item.get("problem") is not None else None,
                    now,
                    item["idempotency_key"],
                )
            )
        with self._lock, self._transaction():
            self._db.executemany(
                "UPDATE outbox SET state = ?, result = ?, problem = ?, updated_at = ?"
                " WHERE idempotency_key = ? AND state IN ('pending', 'sent')",
                rows,
            )
        return len(rows)

    def reject(self, key: str, problem: dict[str, Any]) -> None:
        """Mark one action rejected locally with the server's problem (when sent alone and refused)."""
        self.record_results([{"idempotency_key": key, "status": SyncStatus.REJECTED, "result": None, "problem": problem}])

    # -- reading -------------------------------------------------------------------------

    def unsynced(self, limit: int = 100) -> list[Action]:
        """The oldest actions without a verdict (``pending`` or ``sent``), in the order taken."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM outbox WHERE state IN ('pending', 'sent') ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [_action(r) for r in rows]

    def all(self) -> list[Action]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
        return [_action(r) for r in rows]

    def for_visit(self, visit_id: int) -> list[Action]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM outbox WHERE visit_id = ? ORDER BY seq", (int(visit_id),)
            ).fetchall()
        return [_action(r) for r in rows]

    def get(self, key: str) -> Action | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM outbox WHERE idempotency_key = ?", (key,)).fetchone()
        return _action(row) if row else None

    def rejected(self) -> list[Action]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM outbox WHERE state = 'rejected' ORDER BY seq").fetchall()
        return [_action(r) for r in rows]

    def counts(self) -> Counts:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        by_state = {r[0]: int(r[1]) for r in rows}
        counts = Counts(by_state=by_state)
        for state, n in by_state.items():
            if hasattr(counts, state):
                setattr(counts, state, n)
        return counts

    # -- visit drafts (ticks and outcomes entered before check-out) ------------------------

    def save_draft(self, visit_id: int, data: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO visit_draft (visit_id, data) VALUES (?, ?)"
                " ON CONFLICT (visit_id) DO UPDATE SET data = excluded.data",
                (int(visit_id), json.dumps(data)),
            )

    def load_draft(self, visit_id: int) -> dict[str, Any]:
        with self._lock:
            row = self._db.execute("SELECT data FROM visit_draft WHERE visit_id = ?", (int(visit_id),)).fetchone()
        return json.loads(row[0]) if row else {}

    # -- helpers -------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _action(row: sqlite3.Row) -> Action:
    return Action(
        seq=row["seq"],
        idempotency_key=row["idempotency_key"],
        kind=row["kind"],
        visit_id=row["visit_id"],
        at=row["at"],
        payload=json.loads(row["payload"]),
        state=row["state"],
        attempts=row["attempts"],
        result=json.loads(row["result"]) if row["result"] else None,
        problem=json.loads(row["problem"]) if row["problem"] else None,
    )
