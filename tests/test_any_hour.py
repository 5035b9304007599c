"""The suite passes at any hour: the tests that depend on the time of day, replayed under other clocks.

The whole suite runs on the default clock of tests/clock.py (a weekday morning). Here the tests
marked ``clock_sensitive`` (today's round, the visit watch, daily reminders, weeks and the demo
seed) run again, each clock in a child pytest: midday, 23:30, 03:00 and a clock-change Sunday.
They run on SQLite; PostgreSQL stores the same UTC instants, and runs them all on the default clock.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.clock import PROOF_CLOCKS, wall_clock_environment

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("moment", PROOF_CLOCKS.values(), ids=PROOF_CLOCKS.keys())
def test_the_clock_sensitive_tests_pass_at(moment: str, tmp_path: Path) -> None:
    env = {**wall_clock_environment(), "DOMICARE_TEST_CLOCK": moment}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "clock_sensitive and not slow", "-k", "not postgres", "-q", "-x",
         "-p", "no:cacheprovider", "-p", "no:warnings", "--basetemp", str(tmp_path / "run")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, f"at {moment}: {summary}\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    assert " passed" in summary, run.stdout[-2000:]
