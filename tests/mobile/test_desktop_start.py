"""Starting the app on a desktop: no input-probe traceback, and a wrong role is told at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mobile.core.session import role_problem
from tests.mobile.live_server import ROOT, LiveServer, env_for


def test_the_desktop_uses_the_mouse_not_the_multitouch_probe_that_needs_libmtdev(tmp_path: Path) -> None:
    probe = ("from mobile.cli import prepare_kivy\nprepare_kivy((480, 900), headless=True)\n"
             "from kivy.config import Config\nprint(dict(Config.items('input', raw=True)))")
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy")}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "{'mouse': 'mouse,disable_multitouch'}"


def test_roles_the_app_refuses_and_why() -> None:
    assert role_problem({"role": "carer", "username": "carer.demo"}, supervisor_mode=False) is None
    assert role_problem({"role": "supervisor"}, supervisor_mode=True) is None
    assert role_problem({"role": "provider_admin"}, supervisor_mode=True) is None
    refused = role_problem({"role": "carer", "username": "carer.demo"}, supervisor_mode=True)
    assert refused is not None and refused.startswith("carer.demo is a carer account") and "--supervisor" in refused
    assert "carers and supervisors" in (role_problem({"role": "commissioner"}, supervisor_mode=False) or "")


def test_a_carer_in_supervisor_mode_is_told_at_once(live_server: LiveServer, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "domicare", "mobile", "--supervisor", "--server", live_server.url, "--user", "carer.demo",
         "--password", "demo-password", "--screenshot", str(tmp_path / "board.png"), "--data-dir", str(tmp_path / "phone")],
        cwd=ROOT, env={**env_for(tmp_path), "KIVY_HOME": str(tmp_path / "kivy")}, capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 1
    assert "the supervisor board is for supervisors and provider admins" in done.stderr
    # before, the board waited out its 60 s time-out and said "timed out waiting for the first screen"
    assert "timed out" not in done.stderr and "Traceback" not in done.stderr and "mtdev" not in done.stderr
    assert not (tmp_path / "board.png").exists()
