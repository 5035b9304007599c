"""Today's rota kept on the phone, so the carer sees their visits with no signal.

Each download of ``GET /me/visits`` is stored whole (per user and date) in SQLite with
the time it was fetched; the rota screen shows the cache at once and refreshes it when
the network allows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mobile.core.outbox import utc_now_iso


@dataclass(frozen=True)
class CachedRota:
    """One day's visits as last downloaded."""

    username: str
    day: str
    visits: list[dict[str, Any]]
    fetched_at: str


class RotaCache:
    """Per-user, per-day copies of the rota."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS rota (username TEXT NOT NULL, day TEXT NOT NULL, visits TEXT NOT NULL,"
            " fetched_at TEXT NOT NULL, PRIMARY KEY (username, day))"
        )

    def store(self, username: str, day: str, visits: list[dict[str, Any]]) -> CachedRota:
        fetched_at = utc_now_iso()
        with self._lock:
            self._db.execute(
                "INSERT INTO rota (username, day, visits, fetched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (username, day) DO UPDATE SET visits = excluded.visits, fetched_at = excluded.fetched_at",
                (username, day, json.dumps(visits), fetched_at),
            )
        return CachedRota(username, day, visits, fetched_at)

    def load(self, username: str, day: str) -> CachedRota | None:
        with self._lock:
            row = self._db.execute(
                "SELECT visits, fetched_at FROM rota WHERE username = ? AND day = ?", (username, day)
            ).fetchone()
        if row is None:
            return None
        return CachedRota(username, day, json.loads(row[0]), row[1])

    def visit(self, username: str, day: str, visit_id: int) -> dict[str, Any] | None:
        cached = self.load(username, day)
        if cached is None:
            return None
        return next((v for v in cached.visits if int(v["id"]) == int(visit_id)), None)

    def prune(self, keep_days: set[str]) -> None:
        """Forget days other than ``keep_days`` (yesterday's rota has no use offline)."""
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT day FROM rota").fetchall()
            for (day,) in rows:
                if day not in keep_days:
                    self._db.execute("DELETE FROM rota WHERE day = ?", (day,))

    def close(self) -> None:
        self._db.close()
