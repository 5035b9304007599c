"""The supervisor's tablet board: visits grouped by live state, welfare checks apart from alarms,
open alerts, reviews and amendments.

Refreshes on its own every ``REFRESH_S`` seconds while shown, and at once when the alarm watch
(every ``ALARM_POLL_S`` seconds) sees an alarm the board does not show yet. Acknowledge/resolve and the
approve/reject decisions go straight to the server (a supervisor works online); a failed
call leaves the item in place with the server's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.utils import escape_markup

from mobile.core.alarm_watch import ALARM_POLL_S, AlarmWatch
from mobile.core.api_client import ApiError
from mobile.core.session import today
from mobile.screens.widgets import (
    AMBER,
    GREEN,
    GREY,
    RED,
    STATUS_COLOURS,
    AppScreen,
    Body,
    Card,
    Chip,
    Heading,
    TouchButton,
    hhmm,
)

REFRESH_S = 30.0
GROUPS = (
    ("late", "Late"),
    ("missed", "Missed"),
    ("unverified", "Unverified"),
    ("in_progress", "In progress"),
    ("not_started", "Not started"),
    ("completed", "Done"),
    ("cancelled", "Cancelled"),
)
MAX_ROWS_PER_GROUP = 25
SEVERITY_COLOURS = {"info": GREY, "warning": AMBER, "urgent": RED, "emergency": RED}


class SupervisorScreen(AppScreen):
    day_text = StringProperty("")
    updated_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.board: dict[str, Any] = {}
        self.checks: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.amendments: list[dict[str, Any]] = []
        # What carers wrote in concerns the supervisor chose to read (each read audited), by alert id; memory only.
        self.concerns: dict[int, str] = {}
        self.buttons: dict[str, TouchButton] = {}  # e.g. "ack:12", "approve-review:5" (for tests)
        self._timer: Any = None
        self._alarm_timer: Any = None
        self._alarms: AlarmWatch | None = None
        self.loads = 0

    def enter(self, **context: Any) -> None:
        self.day = context.get("day") or today()
        self.day_text = date.fromisoformat(self.day).strftime("%A %d %B")
        self.refresh()
        if self._timer is None:
            self._timer = Clock.schedule_interval(lambda _dt: self.refresh(), context.get("refresh_s", REFRESH_S))
        if self._alarm_timer is None:
            self._alarm_timer = Clock.schedule_interval(lambda _dt: self.watch_alarms(),
                                                        context.get("alarm_poll_s", ALARM_POLL_S))

    def on_leave(self, *args: Any) -> None:
        for timer in (self._timer, self._alarm_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._alarm_timer = None

    def watch_alarms(self) -> None:
        """Refresh now if an alarm (SOS, leak, smoke, gas) is open that the board does not show yet."""
        client = self.app.session.client
        if client is None or self._alarms is None:
            return
        watch = self._alarms
        self.app.run_in_background(watch.new_alarms, lambda fresh: self.refresh() if fresh else None,
                                   lambda _error: None)  # the next board refresh reports a lost connection

    def refresh(self) -> None:
        client = self.app.session.client
        if client is None:
            return
        day = self.day

        def load() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
            return client.board(day), client.welfare_checks("open"), client.reviews(), client.amendments("pending")

        self.app.run_in_background(load, self._loaded, self._failed)

    def _loaded(self, loaded: tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]],
                                    list[dict[str, Any]]]) -> None:
        self.board, self.checks, self.reviews, self.amendments = loaded
        if self._alarms is None and self.app.session.client is not None:
            self._alarms = AlarmWatch(self.app.session.client.open_alarms)
        if self._alarms is not None:
            self._alarms.shown(self.board.get("alerts", []))
        self.loads += 1
        self.message = ""
        self.app.online = True
        from mobile.core.outbox import utc_now_iso

        self.updated_text = f"Updated {hhmm(utc_now_iso())}"
        self.render()

    def _failed(self, error: Exception) -> None:
        self.app.online = False
        self.message = f"Could not refresh: {getattr(error, 'message', error)}"

    # -- rendering -------------------------------------------------------------------------

    def render(self) -> None:
        self.buttons.clear()
        self._render_counts()
        self._render_visits()
        self._render_checks()
        self._render_alerts()
        self._render_reviews()
        self._render_amendments()

    def _render_counts(self) -> None:
        box = self.ids.counts
        box.clear_widgets()
        counts = self.board.get("counts", {})
        for state, word in GROUPS:
            box.add_widget(Chip(text=f"{word} {counts.get(state, 0)}", bg_color=list(STATUS_COLOURS.get(state, GREY)),
                                font_size=dp(17)))

    def _render_visits(self) -> None:
        box = self.ids.visits
        box.clear_widgets()
        by_state: dict[str, list[dict[str, Any]]] = {}
        for visit in self.board.get("visits", []):
            by_state.setdefault(visit.get("state", "not_started"), []).append(visit)
        for state, word in GROUPS:
            visits = by_state.get(state, [])
            if not visits:
                continue
            card = Card()
            card.add_widget(Heading(text=f"{word} ({len(visits)})", color=STATUS_COLOURS.get(state, GREY)))
            for visit in visits[:MAX_ROWS_PER_GROUP]:
                carers = ", ".join(c.get("name", "") for c in visit.get("carers", [])) or "no carer assigned"
                flag = "   [color=bb2222]not verified[/color]" if visit.get("verified") is False else ""
                if visit.get("late_start_minutes"):
                    flag += f"   [color=bb7700]started {visit['late_start_minutes']} min late[/color]"
                if visit.get("delivered_after_missed"):
                    flag += "   [color=bb7700]delivered after being marked missed[/color]"
                card.add_widget(Body(
                    text=f"[b]{hhmm(visit.get('planned_start'))}[/b]  {visit.get('client', {}).get('name', '')}"
                         f"  -  {carers}{flag}", font_size=dp(17)))
            if len(visits) > MAX_ROWS_PER_GROUP:
                card.add_widget(Body(text=f"... and {len(visits) - MAX_ROWS_PER_GROUP} more", color=GREY))
            box.add_widget(card)

    def _client_of_visit(self, visit_id: Any) -> str:
        for visit in self.board.get("visits", []):
            if visit.get("id") == visit_id:
                return str(visit.get("client", {}).get("name", ""))
        return ""

    def _buttons(self, card: Card, *specs: tuple[str, str, Any, Any]) -> None:
        row = BoxLayout(size_hint_y=None, height=dp(58), spacing=dp(10))
        for key, text, tone, callback in specs:
            button = TouchButton(text=text, tone=list(tone))
            button.bind(on_release=lambda _b, cb=callback: cb())
            row.add_widget(button)
            self.buttons[key] = button
        card.add_widget(row)

    def _decisions(self, card: Card, key: str, item_id: int, decide: Callable[[int, str], None]) -> None:
        self._buttons(card, (f"approve-{key}:{item_id}", "Approve", GREEN, lambda: decide(item_id, "approve")),
                      (f"reject-{key}:{item_id}", "Reject", RED, lambda: decide(item_id, "reject")))

    def _render_list(self, name: str, title: str, items: list[dict[str, Any]], empty: str,
                     card_for: Callable[[dict[str, Any]], Card]) -> None:
        """A titled list of cards (alerts, reviews, amendments), or a line saying there is nothing."""
        box = self.ids[name]
        box.clear_widgets()
        self.ids[f"{name}_title"].text = f"{title} ({len(items)})"
        for item in items:
            box.add_widget(card_for(item))
        if not items:
            box.add_widget(Body(text=empty))

    def _render_checks(self) -> None:
        self._render_list("checks", "Welfare checks", self.checks, "No welfare check waiting", self._check_card)

    def _check_card(self, check: dict[str, Any]) -> Card:
        """A prompt to the person still unanswered: not an alarm yet, it becomes one at ``escalate_at``."""
        card = Card()
        head = BoxLayout(size_hint_y=None, height=dp(34), spacing=dp(8))
        head.add_widget(Chip(text="CHECK", bg_color=list(AMBER)))
        head.add_widget(Body(text=f"[b]{str(check.get('detector', '')).replace('_', ' ')}[/b]  "
                                  f"{hhmm(check.get('raised_at'))}, alarm at {hhmm(check.get('escalate_at'))}"))
        card.add_widget(head)
        card.add_widget(Body(text=str(check.get("explanation", ""))))
        check_id = check["id"]
        self._buttons(card, (f"ok:{check_id}", "They're OK", GREEN, lambda: self.answer_check(check_id)))
        return card

    def _render_alerts(self) -> None:
        alerts = [a for a in self.board.get("alerts", []) if a.get("state") != "resolved"]
        self._render_list("alerts", "Open alerts", alerts, "No open alerts", self._alert_card)

    def _alert_card(self, alert: dict[str, Any]) -> Card:
        card = Card()
        severity = str(alert.get("severity", "info"))
        head = BoxLayout(size_hint_y=None, height=dp(34), spacing=dp(8))
        head.add_widget(Chip(text=severity.upper(), bg_color=list(SEVERITY_COLOURS.get(severity, GREY))))
        head.add_widget(Body(text=f"[b]{str(alert.get('kind', '')).replace('_', ' ')}[/b]  {hhmm(alert.get('created_at'))}"
                             + ("  - acknowledged" if alert.get("state") == "acknowledged" else "")))
        card.add_widget(head)
        card.add_widget(Body(text=str(alert.get("message", ""))))
        alert_id = alert["id"]
        specs = []
        if alert.get("kind") == "concern":
            if alert_id in self.concerns:
                card.add_widget(Body(text=f"[i]{escape_markup(self.concerns[alert_id])}[/i]"))
            else:
                specs.append((f"concern:{alert_id}", "Read concern", GREY, lambda: self.read_concern(alert_id)))
        if alert.get("state") == "open":
            specs.append((f"ack:{alert_id}", "Acknowledge", AMBER, lambda: self.alert_action(alert_id, "acknowledge")))
        specs.append((f"resolve:{alert_id}", "Resolve", GREEN, lambda: self.alert_action(alert_id, "resolve")))
        self._buttons(card, *specs)
        return card

    def _render_reviews(self) -> None:
        self._render_list("reviews", "Check-ins to review", self.reviews, "Nothing to review", self._review_card)

    def _review_card(self, item: dict[str, Any]) -> Card:
        card = Card()
        kind = "Check-in" if item.get("kind") == "check_in" else "Check-out"
        distance = item.get("distance_m")
        where = f", {distance:.0f} m from home" if isinstance(distance, (int, float)) else ""
        card.add_widget(Body(text=f"[b]{kind}[/b] {hhmm(item.get('device_time'))}  "
                                  f"{item.get('carer', {}).get('name', '')} at {item.get('client', {}).get('name', '')}"))
        card.add_widget(Body(text=f"{item.get('method', '')}: {str(item.get('reason') or '').replace('_', ' ')}{where}",
                             color=AMBER))
        self._decisions(card, "review", item["event_id"], self.review)
        return card

    def _render_amendments(self) -> None:
        self._render_list("amendments", "Amendments", self.amendments, "No amendments waiting", self._amendment_card)

    def _amendment_card(self, item: dict[str, Any]) -> Card:
        card = Card()
        changes = ", ".join(f"{k.replace('_', ' ')} {hhmm(v) if k.startswith('actual') else v}"
                            for k, v in (item.get("changes") or {}).items() if v is not None)
        card.add_widget(Body(text=f"[b]Visit {item.get('visit_id')}[/b] {self._client_of_visit(item.get('visit_id'))}: "
                                  f"{changes}"))
        card.add_widget(Body(text=f"{str(item.get('reason_code', '')).replace('_', ' ')}  {item.get('comment', '')}",
                             color=GREY))
        self._decisions(card, "amendment", item["id"], self.amendment)
        return card

    # -- acting ----------------------------------------------------------------------------

    def _call(self, work: Any) -> None:
        def failed(error: Exception) -> None:
            self.message = error.message if isinstance(error, ApiError) else f"Could not reach the server: {error}"

        self.app.run_in_background(work, lambda _r: self.refresh(), failed)

    def alert_action(self, alert_id: int, action: str) -> None:
        client = self.app.session.client
        self._call(lambda: client.acknowledge_alert(alert_id) if action == "acknowledge" else client.resolve_alert(alert_id))

    def read_concern(self, alert_id: int) -> None:
        """Fetch what the carer wrote (the server audits the read) and show it on the alert's card."""
        client = self.app.session.client

        def shown(concern: dict[str, Any]) -> None:
            self.concerns[alert_id] = f"{concern.get('carer', {}).get('name', '')}: {concern.get('text', '')}"
            self.render()

        def failed(error: Exception) -> None:
            self.message = error.message if isinstance(error, ApiError) else f"Could not reach the server: {error}"

        self.app.run_in_background(lambda: client.alert_concern(alert_id), shown, failed)

    def answer_check(self, check_id: int) -> None:
        client = self.app.session.client
        self._call(lambda: client.answer_welfare_check(check_id, "confirmed OK by the office"))

    def review(self, event_id: int, decision: str) -> None:
        client = self.app.session.client
        self._call(lambda: client.review_event(event_id, decision))

    def amendment(self, amendment_id: int, decision: str) -> None:
        client = self.app.session.client
        self._call(lambda: client.decide_amendment(amendment_id, decision))
