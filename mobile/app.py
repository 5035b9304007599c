"""The app controller: builds the screens, holds the session, runs work off the UI thread.

Kept deliberately small: what to show lives in ``mobile.screens``, what to do in
``mobile.core``. Network calls go through ``run_in_background`` so the UI never blocks;
their results come back on the Kivy thread through the clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from mobile.core.session import BOARD_ROLES, Session, role_problem
from mobile.core.sync_worker import SyncReport
from mobile.platform import camera_qr, location, notifications
from mobile.screens import SCREENS, load_screen_class

Window.clearcolor = (0.95, 0.96, 0.97, 1)


class DomicareApp(App):
    """Carer phone app, or the supervisor's tablet board with ``supervisor=True``."""

    title = "Domicare"
    sync_label = StringProperty("")
    unsynced = NumericProperty(0)
    rejected = NumericProperty(0)
    online = BooleanProperty(True)
    busy = BooleanProperty(False)

    def __init__(self, *, data_dir: str | Path, server: str = "", supervisor: bool = False,
                 session: Session | None = None, location_provider: Any = None, scanner: Any = None,
                 notifier: Any = None, early_sign_in: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supervisor = supervisor
        self.session = session or Session(data_dir)
        self.session.on_sync = self._on_sync_report
        remembered = self.session.remembered.load()
        self.server = server or remembered.get("server", "http://127.0.0.1:8000")
        self.last_username = remembered.get("username", "")
        self.location = location_provider or location.create()
        self.scanner = scanner or camera_qr.create()
        self.notifier = notifier or notifications.create()
        self.manager: ScreenManager | None = None
        self.early_sign_in = early_sign_in

    # -- building --------------------------------------------------------------------------

    def build(self) -> ScreenManager:
        Builder.load_file(str(Path(__file__).parent / "screens" / "widgets.kv"))
        self.manager = ScreenManager(transition=NoTransition())
        self.show("sign_in")
        self.refresh_counts()
        return self.manager

    def show(self, name: str, **context: Any) -> Any:
        """Switch to a screen (created on first use), passing it ``context`` via ``enter``."""
        assert self.manager is not None
        if not self.manager.has_screen(name):
            cls = load_screen_class(name)
            self.manager.add_widget(cls(name=name))
        screen = self.manager.get_screen(name)
        screen.enter(**context)
        self.manager.current = name
        return screen

    def on_start(self) -> None:
        if self.early_sign_in is not None:  # started with --user/--password: signing in already
            Clock.schedule_interval(self._await_early_sign_in, 0)

    def _await_early_sign_in(self, _dt: float) -> bool:
        early = self.early_sign_in
        if not early.done:
            return True
        self.early_sign_in = None
        self.server = early.server
        if early.me is not None:
            self.signed_in(early.me)
        else:
            screen = self.show("sign_in", server=early.server, username=early.username)
            screen.show_error(early.error)
        return False

    @property
    def screen(self) -> Any:
        return self.manager.current_screen if self.manager else None

    # -- work off the UI thread ------------------------------------------------------------

    def run_in_background(self, work: Callable[[], Any], done: Callable[[Any], None] | None = None,
                          failed: Callable[[Exception], None] | None = None) -> threading.Thread:
        """Run ``work`` on a thread; ``done(result)`` or ``failed(error)`` then run on the UI thread."""
        self.busy = True

        def target() -> None:
            try:
                result = work()
            except Exception as exc:  # reported to the screen, which shows a one-line message
                error = exc
                Clock.schedule_once(lambda _dt: self._finish(failed, error), 0)
            else:
                Clock.schedule_once(lambda _dt: self._finish(done, result), 0)

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        return thread

    def _finish(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        self.busy = False
        if callback is not None:
            callback(value)

    # -- signing in and syncing ------------------------------------------------------------

    def signed_in(self, me: dict[str, Any]) -> None:
        """After a successful sign-in: the board for supervisors, the rota for carers; a wrong role is told at once."""
        problem = role_problem(me, self.supervisor)
        if problem is not None:
            self.session.close_client()
            self.show("sign_in", server=self.server, username=str(me.get("username") or ""), message=problem)
        elif self.supervisor or me.get("role") in BOARD_ROLES:
            self.show("supervisor")
        else:
            self.show("rota")

    def action_queued(self) -> None:
        """An action was written to the outbox: show it and try to send it now."""
        self.refresh_counts()
        self.session.sync_now()

    def _on_sync_report(self, report: SyncReport) -> None:  # called on the sync thread
        Clock.schedule_once(lambda _dt: self._apply_sync_report(report), 0)

    def _apply_sync_report(self, report: SyncReport) -> None:
        self.online = not report.network_down
        before = self.rejected
        self.refresh_counts()
        if self.rejected > before:
            self.notifier.notify("Domicare", "The office could not accept an action: open the visit to see why")
        screen = self.screen
        if screen is not None and hasattr(screen, "on_sync_report"):
            screen.on_sync_report(report)

    def refresh_counts(self) -> None:
        counts = self.session.outbox.counts()
        self.unsynced, self.rejected = counts.unsynced, counts.rejected
        parts = []
        if counts.unsynced:
            parts.append(f"{counts.unsynced} waiting to sync")
        if counts.rejected:
            parts.append(f"{counts.rejected} rejected")
        status = ", ".join(parts) or "All synced"
        self.sync_label = status if self.online else f"Offline - {status.lower()}"

    def on_stop(self) -> None:
        self.session.close()


__all__ = ["DomicareApp", "SCREENS"]
