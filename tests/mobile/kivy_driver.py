"""Drives the real Kivy app headless (SDL offscreen) by simulated touches, one scenario per process.

Run by the tests as ``python -m tests.mobile.kivy_driver SCENARIO --server URL --out DIR --data DIR``.
Screenshots of each screen go to ``--out``; a JSON summary is the last stdout line. When a
scenario needs the network switched off or on it prints ``@@ stop-server`` / ``@@ start-server``
and waits for the parent to answer ``ok`` on stdin.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZES = {"carer": (480, 900), "carer-proof": (480, 900), "supervisor": (1280, 960)}


def setup_kivy(size: tuple[int, int]) -> None:
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
    os.environ["SDL_VIDEODRIVER"] = os.environ.get("DOMICARE_TEST_SDL_DRIVER", "offscreen")
    from mobile.cli import prepare_kivy

    prepare_kivy(size, headless=True)


class Driver:
    """Touches, typing and waiting against a running app, frame by frame."""

    def __init__(self, app: Any, out: Path) -> None:
        from kivy.base import EventLoop, runTouchApp

        self.app, self.out = app, out
        self.loop = EventLoop
        app._run_prepare()
        runTouchApp(embedded=True)
        self.shots: list[str] = []
        self.frames(3)

    def frames(self, n: int = 1) -> None:
        for _ in range(n):
            self.loop.idle()

    def until(self, condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                self.frames(2)
                return value
            self.frames()
            time.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what}")

    def tap(self, widget: Any) -> None:
        """A finger down and up at the widget's centre, scrolled into view first."""
        from kivy.tests.common import UnitTestTouch
        from kivy.uix.scrollview import ScrollView

        parent = widget.parent
        while parent is not None and not isinstance(parent, ScrollView) and parent.parent is not parent:
            parent = parent.parent
        if not isinstance(parent, ScrollView):
            parent = None
        window = self.loop.window
        x = y = -1.0
        for _ in range(20):  # nested layouts may take a few frames to settle after a refresh
            self.frames()
            x, y = widget.to_window(widget.center_x, widget.center_y)
            if parent is not None and not self._inside(parent, x, y):
                parent.scroll_to(widget, padding=20, animate=False)
                self.frames(2)
                x, y = widget.to_window(widget.center_x, widget.center_y)
            if 0 <= x < window.width and 0 <= y < window.height:
                break
        assert not widget.disabled, f"{widget} is disabled"
        assert 0 <= x < window.width and 0 <= y < window.height, f"{widget} is off screen at {(x, y)}"
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames()
        touch.touch_up()
        self.frames(2)

    @staticmethod
    def _inside(scroll: Any, x: float, y: float) -> bool:
        left, bottom = scroll.to_window(scroll.x, scroll.y)
        return left + 10 <= x <= left + scroll.width - 10 and bottom + 10 <= y <= bottom + scroll.height - 10

    def choose(self, spinner: Any, text: str) -> None:
        """Open a drop-down by touch and touch one of its options."""
        self.tap(spinner)
        dropdown = spinner._dropdown
        self.until(lambda: dropdown.parent is not None, 5, "drop-down to open")
        option = next(b for b in dropdown.container.children if b.text == text)
        self.tap(option)
        assert spinner.text == text, (spinner.text, text)

    def type(self, field: Any, text: str) -> None:
        self.tap(field)
        field.text = ""
        field.insert_text(text)
        field.focus = False
        self.frames()

    def shot(self, name: str) -> Path:
        path = self.out / f"{len(self.shots) + 1:02d}-{name}.png"
        self.frames(2)
        self.app.root.export_to_png(str(path))
        self.shots.append(path.name)
        return path


def ask_parent(command: str) -> None:
    print(f"@@ {command}", flush=True)
    answer = sys.stdin.readline().strip()
    if answer != "ok":
        raise RuntimeError(f"parent answered {answer!r} to {command}")


def make_app(kind: str, data: Path, server: str) -> Any:
    from mobile.app import DomicareApp
    from mobile.platform.camera_qr.desktop import TypedCodeScanner
    from mobile.platform.location.desktop import SimulatedLocation
    from mobile.platform.notifications.desktop import LogNotifier

    return DomicareApp(data_dir=data, server=server, supervisor=kind == "supervisor",
                       location_provider=SimulatedLocation(spread_m=20, accuracy_m=10),
                       scanner=TypedCodeScanner(), notifier=LogNotifier())


def sign_in(d: Driver, username: str) -> None:
    screen = d.app.screen
    assert screen.name == "sign_in"
    d.type(screen.ids.username, username)
    d.type(screen.ids.password, "demo-password")
    d.shot("sign-in")
    d.tap(screen.ids.sign_in)
    d.until(lambda: d.app.screen.name != "sign_in", 20, "sign-in")


def choose_visit(visits: list[dict[str, Any]]) -> dict[str, Any]:
    """A single-handed planned visit with tasks and at least two medication prompts."""
    candidates = [v for v in visits if v["status"] == "planned" and v["carers_needed"] == 1
                  and len(v.get("medications") or []) >= 2 and v.get("tasks")]
    assert candidates, "the demo carer has no suitable visit today"
    return candidates[0]


def carer_offline_day(d: Driver, summary: dict[str, Any]) -> None:
    """Sign in, lose the network, do a whole visit, get the network back, see it synced."""
    app = d.app
    sign_in(d, "carer.demo")
    rota = d.until(lambda: app.screen.name == "rota" and app.screen.rota and app.screen.rota.fetched_at
                   and not app.screen.loading and app.screen, 20, "rota")
    d.shot("rota")
    visit = choose_visit(rota.rota.visits)
    summary["visit_id"] = visit["id"]

    ask_parent("stop-server")  # the carer walks into a house with no signal
    d.tap(rota.rows[visit["id"]])
    screen = d.until(lambda: app.screen.name == "visit" and app.screen, 5, "visit screen")
    d.shot("visit")

    d.tap(screen.ids.checkin.ids.gps)
    assert screen.checked_in, screen.checkin_text
    assert "waiting to sync" in screen.checkin_text, screen.checkin_text
    d.shot("checked-in-offline")

    tasks = visit["tasks"]
    d.choose(screen.task_choices[str(tasks[0]["id"])], "Done")
    if len(tasks) > 1:
        d.choose(screen.task_choices[str(tasks[1]["id"])], "Refused")
    meds = visit["medications"]
    d.choose(screen.medication_rows[str(meds[0]["id"])].ids.outcome, "Given")

    d.tap(screen.ids.checkout.ids.gps)  # one medicine still without an outcome
    assert not screen.checked_out
    assert "Check-out blocked" in screen.checkout_text and meds[1]["label"] in screen.checkout_text, screen.checkout_text
    summary["blocked_message"] = screen.checkout_text
    d.shot("check-out-blocked")

    for med in meds[1:]:
        d.choose(screen.medication_rows[str(med["id"])].ids.outcome, "Refused")
    d.type(screen.ids.note_text, "Ate breakfast, in good spirits.")
    d.tap(screen.ids.save_note)
    d.choose(screen.ids.concern_category, "Health change, fall or injury")
    d.type(screen.ids.concern_text, "Bruise on left forearm, says she knocked it on the door.")
    d.tap(screen.ids.raise_concern)
    d.tap(screen.ids.checkout.ids.gps)
    assert screen.checked_out, screen.checkout_text
    counts = app.session.outbox.counts()
    assert counts.unsynced == 4 and counts.applied == 0, counts
    d.shot("visit-done-offline")

    d.tap(screen.ids.back)
    rota = d.until(lambda: app.screen.name == "rota" and app.screen, 5, "rota")
    d.frames(3)
    assert "waiting to sync" in rota.rows[visit["id"]].sync_text, rota.rows[visit["id"]].sync_text
    assert "4 waiting to sync" in app.sync_label, app.sync_label
    d.shot("rota-offline")

    ask_parent("start-server")  # signal again
    d.tap(rota.ids.sync)
    d.until(lambda: app.session.outbox.counts().unsynced == 0, 30, "the outbox to drain")
    d.until(lambda: not rota.loading, 10, "rota refresh")
    d.tap(rota.ids.refresh)
    d.until(lambda: not rota.loading and rota.rota and not rota.rota.offline, 10, "rota refresh")
    row = rota.rows[visit["id"]]
    d.until(lambda: row.status_text == "Done" and row.sync_text == "", 10, "the visit to show as done and synced")
    summary["row"] = {"status": row.status_text, "verified": row.verified_text, "sync": app.sync_label}
    summary["outbox"] = [a.state for a in app.session.outbox.all()]
    summary["keys"] = [a.idempotency_key for a in app.session.outbox.all()]
    d.shot("rota-synced")


def supervisor_board(d: Driver, summary: dict[str, Any]) -> None:
    """The board loads; a concern alert's text is read, it is acknowledged then resolved; a manual check-in is approved."""
    app = d.app
    sign_in(d, "supervisor.demo")
    board = d.until(lambda: app.screen.name == "supervisor" and app.screen.loads >= 1 and app.screen, 20, "board")
    d.shot("board")
    summary["counts"] = board.board.get("counts")
    summary["groups"] = [c.children[-1].text for c in reversed(board.ids.visits.children)]
    alert_id = int(os.environ["DOMICARE_TEST_ALERT"])
    event_id = int(os.environ["DOMICARE_TEST_REVIEW_EVENT"])

    d.tap(board.buttons[f"concern:{alert_id}"])  # the concern's text, read on request (the server audits it)
    d.until(lambda: alert_id in board.concerns and f"concern:{alert_id}" not in board.buttons, 15, "concern read")
    summary["concern_text"] = board.concerns[alert_id]
    loads = board.loads
    d.tap(board.buttons[f"ack:{alert_id}"])
    d.until(lambda: board.loads > loads and f"ack:{alert_id}" not in board.buttons, 15, "acknowledged alert")
    loads = board.loads
    d.tap(board.buttons[f"approve-review:{event_id}"])
    d.until(lambda: board.loads > loads and f"approve-review:{event_id}" not in board.buttons, 15, "approved review")
    d.shot("board-acknowledged")
    loads = board.loads
    d.tap(board.buttons[f"resolve:{alert_id}"])
    d.until(lambda: board.loads > loads and f"resolve:{alert_id}" not in board.buttons, 15, "resolved alert")
    check = os.environ.get("DOMICARE_TEST_CHECK")
    if check:  # a welfare check sits apart from the alarms; the office confirms the person is OK
        summary["checks_title"] = board.ids.checks_title.text
        loads = board.loads
        d.tap(board.buttons[f"ok:{check}"])
        d.until(lambda: board.loads > loads and f"ok:{check}" not in board.buttons, 15, "answered welfare check")
    amendment = os.environ.get("DOMICARE_TEST_AMENDMENT")
    if amendment:
        loads = board.loads
        d.tap(board.buttons[f"approve-amendment:{amendment}"])
        d.until(lambda: board.loads > loads and f"approve-amendment:{amendment}" not in board.buttons, 15,
                "approved amendment")
    d.shot("board-resolved")
    # it also refreshes on its own
    loads = board.loads
    board.on_leave()
    board.enter(refresh_s=0.5)
    d.until(lambda: board.loads >= loads + 3, 15, "automatic refreshes")
    summary["auto_refreshed"] = True


def carer_proves_presence(d: Driver, summary: dict[str, Any]) -> None:
    """A check-in on a vague GPS fix is unverified; a better fix later in the visit verifies it."""
    app = d.app
    sign_in(d, "carer.demo")
    rota = d.until(lambda: app.screen.name == "rota" and app.screen.rota and app.screen.rota.fetched_at
                   and not app.screen.loading and app.screen, 20, "rota")
    visit = choose_visit(rota.rota.visits)
    summary["visit_id"] = visit["id"]
    d.tap(rota.rows[visit["id"]])
    screen = d.until(lambda: app.screen.name == "visit" and app.screen, 5, "visit screen")
    app.location.accuracy_m = 3000  # a fix that proves nothing
    d.tap(screen.ids.checkin.ids.gps)
    d.until(lambda: screen.needs_proof, 30, "the unverified check-in to sync")
    summary["unverified_text"] = screen.checkin_text
    summary["panel_verb"] = screen.ids.checkin.verb
    d.shot("check-in-needs-proof")
    app.location.accuracy_m = 10
    d.tap(screen.ids.checkin.ids.gps)
    d.until(lambda: app.session.outbox.counts().unsynced == 0 and not screen.needs_proof, 30, "the proof to sync")
    screen.refresh_state()
    summary["proved_text"] = screen.checkin_text
    summary["outbox"] = [(a.kind, a.state) for a in app.session.outbox.all()]
    d.shot("check-in-proved")


SCENARIOS = {"carer": carer_offline_day, "carer-proof": carer_proves_presence, "supervisor": supervisor_board}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--server", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    setup_kivy(SIZES[args.scenario])
    app = make_app(args.scenario, args.data, args.server)
    driver = Driver(app, args.out)
    summary: dict[str, Any] = {"scenario": args.scenario}
    try:
        SCENARIOS[args.scenario](driver, summary)
        summary["ok"] = True
    except Exception as exc:
        summary["ok"] = False
        summary["error"] = f"{type(exc).__name__}: {exc}"
        try:
            driver.shot("failure")
        except Exception:
            pass
        import traceback

        traceback.print_exc()
    finally:
        summary["screenshots"] = driver.shots
        app.session.close()
    print(json.dumps(summary), flush=True)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
