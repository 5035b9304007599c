"""The test run's clock: fixed, the same in every process a test starts, and specified plainly."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from shared.timekeeping import LONDON, utc_now
from tests.clock import OFFSET_VARIABLE, parse_clock, wall_clock_environment
from tests.conftest import TEST_CLOCK_START

on_the_wall_clock = pytest.mark.skipif(TEST_CLOCK_START is None, reason="DOMICARE_TEST_CLOCK=wall: the run is on the wall clock")


@on_the_wall_clock
def test_the_run_starts_at_its_fixed_clock_and_ticks_on() -> None:
    assert TEST_CLOCK_START is not None
    elapsed = utc_now() - TEST_CLOCK_START
    assert timedelta(0) <= elapsed < timedelta(hours=2)
    assert datetime.now(timezone.utc) - utc_now() < timedelta(seconds=1), "every library reads the same clock"


@on_the_wall_clock
def test_a_process_started_by_a_test_is_on_the_same_clock() -> None:
    child = subprocess.run([sys.executable, "-c", "from shared.timekeeping import utc_now; print(utc_now().isoformat())"],
                           capture_output=True, text=True, check=True, env=os.environ.copy(), timeout=60)
    assert abs(datetime.fromisoformat(child.stdout.strip()) - utc_now()) < timedelta(seconds=30)
    free = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], capture_output=True, text=True,
                          check=True, env=wall_clock_environment(), timeout=60)
    offset = float(os.environ[OFFSET_VARIABLE])
    assert abs(utc_now().timestamp() - offset - float(free.stdout)) < 30, "a child can be let off the test clock"


@pytest.mark.parametrize("spec, expected", [
    ("2026-11-25T23:30", datetime(2026, 11, 25, 23, 30, tzinfo=LONDON)),
    ("2026-07-01T09:00", datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc)),  # British Summer Time
    ("2026-10-25T01:30+00:00", datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)),  # the second 01:30
    ("03:00", datetime(2026, 12, 1, 3, 0, tzinfo=LONDON)),
    ("wall", None),
])
def test_clock_specifications(spec: str, expected: datetime | None) -> None:
    assert parse_clock(spec, today=date(2026, 12, 1)) == expected


def test_a_bad_clock_specification_says_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="not 'wall', 'HH:MM' or an ISO date-time"):
        parse_clock("tomorrow")
