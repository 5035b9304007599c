"""One signed-in use of the app: the API client, outbox, rota cache and sync, wired together.

The Kivy app holds one ``Session`` and calls its methods from worker threads; nothing here
touches the UI. Files live in ``data_dir``: ``outbox.db`` (actions and drafts), ``rota.db``
(cached rotas) and ``signin.json`` (last server and username).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mobile.core.api_client import ApiClient, NetworkError, RememberedSignIn
from mobile.core.outbox import Outbox
from mobile.core.rota_cache import RotaCache
from mobile.core.sync_worker import Backoff, BackgroundSync, SyncReport, SyncWorker
from mobile.core.visit_actions import LocalState, VisitActions, VisitDraft, local_state
from shared.enums import Role

LONDON = ZoneInfo("Europe/London")


def today() -> str:
    """The care day as the backend counts it (Europe/London)."""
    return datetime.now(LONDON).date().isoformat()


@dataclass
class Rota:
    """The visits to show, and whether they came from the server just now or from the cache."""

    day: str
    visits: list[dict[str, Any]]
    fetched_at: str | None
    offline: bool
    error: str | None = None


class Session:
    """Everything one signed-in user of this phone works with."""

    def __init__(self, data_dir: str | Path, *, batch_size: int = 100, sync_interval_s: float = 30.0,
                 backoff: Backoff | None = None, transport: Any = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.outbox = Outbox(self.data_dir / "outbox.db")
        self.cache = RotaCache(self.data_dir / "rota.db")
        self.remembered = RememberedSignIn(self.data_dir / "signin.json")
        self.actions = VisitActions(self.outbox)
        self.batch_size = batch_size
        self.sync_interval_s = sync_interval_s
        self.backoff = backoff or Backoff(base_s=2.0, cap_s=120.0)
        self.transport = transport
        self.client: ApiClient | None = None
        self.background: BackgroundSync | None = None
        self.on_sync: Callable[[SyncReport], None] | None = None
        self.offline_start = False

    # -- signing in ------------------------------------------------------------------------

    def sign_in(self, server: str, username: str, password: str, *, allow_offline: bool = True) -> dict[str, Any]:
        """Sign in and start syncing. Without network, the last user of this phone may still open
        the app with the same password (checked against a local verifier); the token is then
        fetched by the sync worker when the network returns."""
        client = ApiClient(server, transport=self.transport)
        try:
            me = client.sign_in(username, password)
        except NetworkError:
            remembered = self.remembered.load()
            if not (allow_offline and remembered.get("server") == server and self.remembered.matches(username, password)):
                raise
            me = self.remembered.me()
            client.use_credentials(username, password, me)
            self.offline_start = True
        else:
            self.remembered.save(server, username, password=password, me=me)
            self.offline_start = False
        self.close_client()
        self.client = client
        worker = SyncWorker(self.outbox, client, batch_size=self.batch_size)
        self.background = BackgroundSync(worker, backoff=self.backoff, idle_interval_s=self.sync_interval_s,
                                         on_report=self._reported)
        self.background.start()
        return me

    @property
    def me(self) -> dict[str, Any]:
        return (self.client.me if self.client else None) or {}

    @property
    def username(self) -> str:
        return str(self.me.get("username") or "")

    def _reported(self, report: SyncReport) -> None:
        if self.on_sync is not None:
            self.on_sync(report)

    def sync_now(self) -> None:
        if self.background is not None:
            self.background.wake()

    def close_client(self) -> None:
        if self.background is not None:
            self.background.stop()
            self.background = None
        if self.client is not None:
            self.client.close()
            self.client = None

    def close(self) -> None:
        self.close_client()
        self.outbox.close()
        self.cache.close()

    # -- the carer's day -------------------------------------------------------------------

    def rota(self, day: str | None = None, *, refresh: bool = True) -> Rota:
        """Today's visits: fresh from the server when reachable, else the cached copy."""
        day = day or today()
        error = None
        if refresh and self.client is not None:
            try:
                visits = self.client.my_visits(day)
            except NetworkError as exc:
                error = str(exc)
            else:
                stored = self.cache.store(self.username, day, visits)
                self.cache.prune({day})
                return Rota(day, visits, stored.fetched_at, offline=False)
        cached = self.cache.load(self.username, day)
        offline = error is not None or self.client is None
        if cached is None:
            return Rota(day, [], None, offline=offline, error=error)
        return Rota(day, cached.visits, cached.fetched_at, offline=offline, error=error)

    def visit(self, visit_id: int, day: str | None = None) -> dict[str, Any] | None:
        return self.cache.visit(self.username, day or today(), visit_id)

    def state_of(self, visit: dict[str, Any]) -> LocalState:
        return local_state(visit, self.outbox.for_visit(int(visit["id"])))

    def draft(self, visit: dict[str, Any]) -> VisitDraft:
        return VisitDraft(self.outbox, visit)


class EarlySignIn:
    """Sign in (and fetch today's rota) on a thread, started before the UI has loaded."""

    def __init__(self, session: Session, server: str, username: str, password: str, *, fetch_rota: bool = True) -> None:
        self.server, self.username = server, username
        self.me: dict[str, Any] | None = None
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._work, args=(session, password, fetch_rota), daemon=True)
        self._thread.start()

    def _work(self, session: Session, password: str, fetch_rota: bool) -> None:
        try:
            self.me = session.sign_in(self.server, self.username, password)
            if fetch_rota:
                session.rota(refresh=True)
        except Exception as exc:  # reported on the sign-in screen
            self.error = exc

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()


BOARD_ROLES = (Role.SUPERVISOR, Role.PROVIDER_ADMIN)
APP_ROLES = (Role.CARER, *BOARD_ROLES)


def role_problem(me: dict[str, Any], supervisor_mode: bool) -> str | None:
    """Why this account cannot use the app as started (a carer in supervisor mode, say), or ``None``."""
    role = str(me.get("role", ""))
    who = me.get("username") or "This account"
    if supervisor_mode and role not in BOARD_ROLES:
        return (f"{who} is a {role.replace('_', ' ') or 'user'} account: the supervisor board is for supervisors "
                "and provider admins. Start the app without --supervisor to use the carer app.")
    if role not in APP_ROLES:
        return f"{who} is a {role.replace('_', ' ')} account: this app is for carers and supervisors."
    return None
