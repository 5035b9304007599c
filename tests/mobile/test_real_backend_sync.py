"""The outbox against the real backend: killing the app mid-sync loses nothing and sends nothing twice;
and ``domicare mobile --screenshot`` renders the first screen headless."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.mobile.live_server import ROOT, LiveServer, env_for


def test_killed_mid_sync_then_restarted_sends_each_action_once(live_server: LiveServer, tmp_path: Path) -> None:
    carer = live_server.client("carer.demo")
    visit = carer.get("/me/visits").json()["items"][0]
    phone = tmp_path / "phone"
    phone.mkdir()
    command = [sys.executable, "-m", "tests.mobile.kill_sync_child", live_server.url, str(phone), str(visit["id"]), "40"]
    kills = 0
    for kill_after in (1, 3, 2):  # SIGKILL right after the server applied batch k, before the phone recorded it
        child = subprocess.Popen([*command, "ask"], cwd=ROOT, env=env_for(tmp_path), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdin is not None
        seen = 0
        for line in child.stdout:
            if line.startswith("applied-not-recorded"):
                seen += 1
                if seen == kill_after:
                    child.kill()
                    kills += 1
                    break
                child.stdin.write("go\n")
                child.stdin.flush()
            if line.startswith("done"):
                break
        child.wait(30)
    final = subprocess.run(command, cwd=ROOT, env=env_for(tmp_path), capture_output=True, text=True, timeout=60)
    assert "done 0" in final.stdout, final.stdout + final.stderr
    assert kills == 3

    supervisor = live_server.client("supervisor.demo")
    notes = supervisor.get(f"/visits/{visit['id']}/case-notes").json()["items"]
    texts = [str(n.get("text")) for n in notes if "kill-test note" in str(n.get("text"))]
    assert len(texts) == 40 and len(set(texts)) == 40, sorted(texts)

    from mobile.core.outbox import Outbox

    states = [a.state for a in Outbox(phone / "outbox.db").all()]
    assert len(states) == 40 and set(states) <= {"applied", "duplicate"} and "duplicate" in states


def test_screenshot_command_renders_rota_and_board(live_server: LiveServer, tmp_path: Path) -> None:
    for who, extra, name in (("carer.demo", [], "rota"), ("supervisor.demo", ["--supervisor"], "supervisor")):
        target = tmp_path / f"{name}.png"
        result = subprocess.run(
            [sys.executable, "-m", "domicare", "mobile", "--server", live_server.url, "--user", who,
             "--password", "demo-password", "--screenshot", str(target), "--data-dir", str(tmp_path / who), *extra],
            cwd=ROOT, env=env_for(tmp_path), capture_output=True, text=True, timeout=90)
        assert result.returncode == 0, result.stderr[-3000:]
        assert f"({name} screen" in result.stdout
        assert target.stat().st_size > 10_000
    bad = subprocess.run([sys.executable, "-m", "domicare", "mobile", "--server", live_server.url, "--user", "carer.demo",
                          "--password", "wrong", "--screenshot", str(tmp_path / "x.png")],
                         cwd=ROOT, env=env_for(tmp_path), capture_output=True, text=True, timeout=90)
    assert bad.returncode == 1 and "domicare mobile: Invalid username or password" in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "domicare", "mobile", "--screenshot", str(tmp_path / "x.png")],
                             cwd=ROOT, env=env_for(tmp_path), capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1 and "--screenshot needs --user and --password" in missing.stderr
