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
# One worker runs all four clocks: the children start together in one module fixture, and a second worker
# holding one of the tests would start all four again (``make test`` runs xdist with ``--dist loadgroup``).
pytestmark = pytest.mark.xdist_group("any_hour")


def _replay(moment: str, basetemp: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**wall_clock_environment(), "DOMICARE_TEST_CLOCK": moment}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "clock_sensitive and not slow", "-k", "not postgres", "-q", "-x",
         "-p", "no:cacheprovider", "-p", "no:warnings", "--tb=short", "--show-capture=no",  # the failure, not its logs
         "--basetemp", str(basetemp), *files],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def _clock_sensitive_files(session: pytest.Session) -> list[str]:
    """The files holding the clock-sensitive tests this run collected, or the whole suite when it collected none.

    A child then collects 15 files instead of all of them: about 8 s less for each of the four clocks.
    """
    files = sorted({str(item.path.relative_to(ROOT)) for item in session.items
                    if item.get_closest_marker("clock_sensitive")})
    return files or ["tests"]


@pytest.fixture(scope="module")
def replays(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            compiled: None) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """Every proof clock's child run, started at once and run one per core, after the search kernels are in
    numba's cache (children starting together each compiled them otherwise)."""
    files = _clock_sensitive_files(request.session)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        yield {moment: pool.submit(_replay, moment, tmp_path_factory.mktemp("replay"), files)
               for moment in PROOF_CLOCKS.values()}


@pytest.mark.parametrize("moment", PROOF_CLOCKS.values(), ids=PROOF_CLOCKS.keys())
def test_the_clock_sensitive_tests_pass_at(moment: str,
                                           replays: dict[str, Future[subprocess.CompletedProcess[str]]]) -> None:
    run = replays[moment].result()
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, f"at {moment}: {summary}\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    assert " passed" in summary, run.stdout[-2000:]
