"""The Kivy app end to end against the real backend: carer day offline then online, supervisor board.

Each scenario runs the app headless (SDL offscreen) in its own process, driven by simulated
touches (tests/mobile/kivy_driver.py); screenshots of every screen land in the test's
temporary folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.mobile.live_server import ROOT, LiveServer, env_for


def run_scenario(name: str, server: LiveServer, tmp_path: Path, extra_env: dict[str, str] | None = None,
                 timeout: float = 120) -> dict[str, Any]:
    out = tmp_path / f"screens-{name}"
    env = env_for(tmp_path)
    env.update(extra_env or {})
    stderr_path = tmp_path / f"driver-{name}.log"
    stderr_file = stderr_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.mobile.kivy_driver", name, "--server", server.url, "--out", str(out),
         "--data", str(tmp_path / f"phone-{name}")],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr_file, text=True)
    assert process.stdout is not None and process.stdin is not None
    last = ""
    try:
        for line in process.stdout:
            line = line.strip()
            if line == "@@ stop-server":
                server.stop()
                process.stdin.write("ok\n")
                process.stdin.flush()
            elif line == "@@ start-server":
                server.start()
                process.stdin.write("ok\n")
                process.stdin.flush()
            elif line:
                last = line
        process.wait(timeout)
    finally:
        if process.poll() is None:
            process.kill()
        stderr_file.close()
    stderr = stderr_path.read_text()
    assert last.startswith("{"), f"driver printed no summary; stderr:\n{stderr[-4000:]}"
    summary = json.loads(last)
    assert summary["ok"], f"{summary.get('error')}\n{stderr[-4000:]}"
    for shot in summary["screenshots"]:
        assert (out / shot).stat().st_size > 5000, f"{shot} looks empty"
    return summary


def test_carer_does_a_visit_offline_and_it_syncs(live_server: LiveServer, tmp_path: Path) -> None:
    summary = run_scenario("carer", live_server, tmp_path)
    assert "Check-out blocked" in summary["blocked_message"]
    assert summary["row"]["status"] == "Done" and summary["row"]["verified"] == "Verified"
    assert summary["outbox"] == ["applied"] * 4
    assert len(summary["screenshots"]) >= 8
    visit_id = summary["visit_id"]

    carer = live_server.client("carer.demo")
    today = datetime.now(UTC).date().isoformat()
    visits = {v["id"]: v for v in carer.get("/me/visits", params={"date": summary.get("day", today)}).json()["items"]}
    if visit_id in visits:
        assert visits[visit_id]["status"] == "completed" and visits[visit_id]["verified"] is True
    # the supervisor sees it: the visit is done, the concern is an open alert
    supervisor = live_server.client("supervisor.demo")
    board = supervisor.get("/board", params={"limit": 500}).json()
    row = next(v for v in board["visits"]["items"] if v["id"] == visit_id)
    assert row["state"] == "completed" and row["status"] == "completed"
    assert any(a["visit_id"] == visit_id and a["kind"] == "concern" for a in board["alerts"]["items"])
    notes = supervisor.get(f"/visits/{visit_id}/case-notes").json()["items"]
    assert [n for n in notes if "good spirits" in json.dumps(n)], notes
    # the phone's keys cannot be reused for other actions: refused, nothing written
    replay = carer.post("/sync", json={"actions": [
        {"idempotency_key": key, "kind": "note", "visit_id": visit_id, "at": datetime.now(UTC).isoformat(),
         "payload": {"text": "replayed"}} for key in summary["keys"]]}).json()
    assert {r["status"] for r in replay["results"]} == {"rejected"}
    assert all("different request" in json.dumps(r) for r in replay["results"]), replay
    after = supervisor.get(f"/visits/{visit_id}/case-notes").json()["items"]
    assert len(after) == len(notes) and "replayed" not in json.dumps(after)


def test_carer_proves_presence_after_a_vague_fix(live_server: LiveServer, tmp_path: Path) -> None:
    summary = run_scenario("carer-proof", live_server, tmp_path)
    assert "prove presence with GPS or the QR tag" in summary["unverified_text"]
    assert summary["panel_verb"] == "Prove presence"
    assert summary["proved_text"].endswith("verified by a later proof"), summary["proved_text"]
    assert summary["outbox"] == [["check_in", "applied"], ["proof", "applied"]]
    visits = {v["id"]: v for v in live_server.client("carer.demo").get("/me/visits").json()["items"]}
    assert visits[summary["visit_id"]]["verified"] is True


def _raise_welfare_check(server: LiveServer, client_id: int) -> int:
    """A detector's check finding for a client of provider 1, raised in the live server's database."""
    import asyncio

    from sqlalchemy import select

    import backend.tables  # noqa: F401  (every table, for the foreign keys)
    from backend.database.engine import create_engine, session_factory
    from backend.domain.monitoring.alerting import raise_sensor_alert
    from backend.domain.welfare.models import WelfareCheck
    from sensors.detectors import DetectorAlert as Finding
    from sensors.detectors import DetectorKind
    from shared.enums import ResponseTier

    async def go() -> int:
        engine = create_engine(f"sqlite+aiosqlite:///{server.db_path}")
        finding = Finding(home="home", at=datetime.now(UTC), kind=DetectorKind.INACTIVITY, severity=ResponseTier.CHECK,
                          explanation="no sign of life since 09:12 (last: hall pir, up and about), 1 h 30 min so far")
        try:
            async with session_factory(engine)() as session:
                await raise_sensor_alert(session, 1, client_id, finding)
                await session.commit()
                return int((await session.execute(select(WelfareCheck.id))).scalars().one())
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_supervisor_board_acknowledges_resolves_and_approves(live_server: LiveServer, tmp_path: Path) -> None:
    carer = live_server.client("carer.demo")
    visits = carer.get("/me/visits").json()["items"]
    visit = next(v for v in visits if v["status"] == "planned")
    now = datetime.now(UTC).isoformat()
    checked = carer.post(f"/visits/{visit['id']}/check-in", headers={"Idempotency-Key": "sup-test-checkin-1"},
                         json={"at": now, "method": "manual", "reason": "phone_broken"}).json()
    concern = carer.post(f"/visits/{visit['id']}/concerns", headers={"Idempotency-Key": "sup-test-concern-1"},
                         json={"at": now, "category": "safeguarding", "text": "Door left unlocked overnight"}).json()
    check_id = _raise_welfare_check(live_server, visit["client"]["id"])
    summary = run_scenario("supervisor", live_server, tmp_path, {
        "DOMICARE_TEST_ALERT": str(concern["alert_id"]), "DOMICARE_TEST_REVIEW_EVENT": str(checked["event_id"]),
        "DOMICARE_TEST_CHECK": str(check_id)})
    assert summary["concern_text"].endswith(": Door left unlocked overnight")
    assert summary["checks_title"] == "Welfare checks (1)"
    answered = live_server.client("supervisor.demo").get(f"/welfare-checks/{check_id}").json()
    assert answered["state"] == "answered" and answered["answered_by"] == "supervisor"
    assert summary["auto_refreshed"]
    assert any(g.startswith("Late") or g.startswith("Missed") or g.startswith("Not started") for g in summary["groups"])
    supervisor = live_server.client("supervisor.demo")
    alert = next(a for a in supervisor.get("/alerts", params={"limit": 500}).json()["items"] if a["id"] == concern["alert_id"])
    assert alert["state"] == "resolved"
    assert all(r["event_id"] != checked["event_id"] for r in supervisor.get("/reviews").json()["items"])
