"""Today's rota: one card per visit with time, client, address, status, verification and sync state."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from kivy.properties import BooleanProperty, DictProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior

from mobile.core.session import Rota
from mobile.screens.widgets import AMBER, GREEN, GREY, RED, STATUS_COLOURS, AppScreen, Card, hhmm
from shared.enums import VisitStatus

STATUS_WORDS = {VisitStatus.PLANNED: "Planned", VisitStatus.IN_PROGRESS: "In progress", VisitStatus.COMPLETED: "Done",
                VisitStatus.MISSED: "Missed", VisitStatus.CANCELLED: "Cancelled"}


class VisitRow(ButtonBehavior, Card):
    """A tappable card for one visit."""

    visit = DictProperty()
    time_text = StringProperty("")
    status_text = StringProperty("")
    status_color = ListProperty(list(GREY))
    verified_text = StringProperty("")
    verified_color = ListProperty(list(GREY))
    sync_text = StringProperty("")
    sync_color = ListProperty(list(GREY))


class RotaScreen(AppScreen):
    day_text = StringProperty("")
    who = StringProperty("")
    source_text = StringProperty("")
    loading = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rota: Rota | None = None
        self.rows: dict[int, VisitRow] = {}

    def enter(self, **context: Any) -> None:
        session = self.app.session
        self.who = str(session.me.get("username") or "")
        if self.rota is None:  # first time: the cache at once, then the network
            self.show_rota(session.rota(refresh=False))
        else:
            self.render()
        if context.get("refresh", True) and not self._just_fetched():
            self.refresh()

    def _just_fetched(self, within_s: float = 30.0) -> bool:
        """True when the rota on show came from the server moments ago (e.g. during sign-in)."""
        if self.rota is None or self.rota.fetched_at is None:
            return False
        fetched = datetime.fromisoformat(self.rota.fetched_at.replace("Z", "+00:00"))
        return (datetime.now(UTC) - fetched).total_seconds() < within_s

    def refresh(self) -> None:
        self.loading = True
        self.app.run_in_background(lambda: self.app.session.rota(refresh=True), self._loaded, self._failed)

    def _loaded(self, rota: Rota) -> None:
        self.loading = False
        self.show_rota(rota)

    def _failed(self, error: Exception) -> None:
        self.loading = False
        self.message = f"Could not load the rota: {error}"

    def show_rota(self, rota: Rota) -> None:
        self.rota = rota
        self.day_text = date.fromisoformat(rota.day).strftime("%A %d %B")
        if rota.fetched_at is None:
            self.source_text = "No rota on this phone yet - connect to download it" if rota.offline else ""
        elif rota.offline:
            self.source_text = f"Offline: showing the rota saved at {hhmm(rota.fetched_at)}"
        else:
            self.source_text = f"Updated {hhmm(rota.fetched_at)}"
        self.app.online = not (rota.offline and rota.error)
        self.app.refresh_counts()
        self.render()

    def render(self) -> None:
        box = self.ids.visits
        box.clear_widgets()
        self.rows.clear()
        visits = self.rota.visits if self.rota else []
        for visit in visits:
            row = VisitRow(visit=visit)
            self.update_row(row)
            row.bind(on_release=lambda r: self.open_visit(r.visit))
            box.add_widget(row)
            self.rows[int(visit["id"])] = row
        self.message = "" if visits or not self.rota or self.rota.fetched_at is None else "No visits today"

    def update_row(self, row: VisitRow) -> None:
        visit = row.visit
        state = self.app.session.state_of(visit)
        row.time_text = f"{hhmm(visit.get('planned_start'))} - {hhmm(visit.get('planned_end'))}"
        if visit.get("carers_needed", 1) > 1:
            row.time_text += "   (2 carers)"
        row.status_text = STATUS_WORDS.get(state.status, state.status)
        row.status_color = list(STATUS_COLOURS.get(state.status, GREY))
        if state.verified is True:
            row.verified_text, row.verified_color = "Verified", list(GREEN)
        elif state.verified is False:
            row.verified_text, row.verified_color = "Not verified", list(AMBER)
        else:
            row.verified_text = ""
        if state.rejected:
            row.sync_text, row.sync_color = f"Rejected: {state.rejected[-1]}", list(RED)
        elif state.unsynced:
            row.sync_text, row.sync_color = f"{state.unsynced} waiting to sync", list(AMBER)
        else:
            row.sync_text = ""

    def open_visit(self, visit: dict[str, Any]) -> None:
        self.app.show("visit", visit=visit)

    def sync_now(self) -> None:
        self.app.session.sync_now()
        self.refresh()

    def on_sync_report(self, report: Any) -> None:
        for row in self.rows.values():
            self.update_row(row)
