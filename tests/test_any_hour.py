"""The suite passes at any hour: the tests that depend on the time of day, replayed under other clocks.

The whole suite runs on the default clock of tests/clock.py (a weekday morning). Here the tests
marked ``clock_sensitive`` (today's round, the visit watch, daily reminders, weeks and the demo
seed) run again, each clock in a child pytest: midday, 23:30, 03:00 and a clock-change Sunday.
They run on SQLite; PostgreSQL stores the same UTC instants, and runs them all on the default clock.
The children run side by side, one per core: each is a single-threaded Python process, and one after
another they were a third of the suite's time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.clock import PROOF_CLOCKS, wall_clock_environment

ROOT = Path(__file__).resolve().parents[1]


def _replay(moment: str, basetemp: Path) -> subprocess.CompletedProcess[str]:
    env = {**wall_clock_environment(), "DOMICARE_TEST_CLOCK": moment}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "clock_sensitive and not slow", "-k", "not postgres", "-q", "-x",
         "-p", "no:cacheprovider", "-p", "no:warnings", "--basetemp", str(basetemp)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def replays(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """Every proof clock's child run, started at once and run one per core."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        yield {moment: pool.submit(_replay, moment, tmp_path_factory.mktemp("replay"))
               for moment in PROOF_CLOCKS.values()}


@pytest.mark.parametrize("moment", PROOF_CLOCKS.values(), ids=PROOF_CLOCKS.keys())
def test_the_clock_sensitive_tests_pass_at(moment: str,
                                           replays: dict[str, Future[subprocess.CompletedProcess[str]]]) -> None:
    run = replays[moment].result()
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, f"at {moment}: {summary}\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    assert " passed" in summary, run.stdout[-2000:]
