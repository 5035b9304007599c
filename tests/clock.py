"""The test run's clock: every test, and every process a test starts, sees the same fixed "now".

The suite must pass at any hour, so it never reads the wall clock. ``DOMICARE_TEST_CLOCK`` picks
the moment the run starts at, and time then ticks on from it (timeouts and heartbeats still work):

- unset: ``DEFAULT_CLOCK``, a fixed weekday morning in London;
- ``YYYY-MM-DDTHH:MM`` (London wall time) or an ISO instant with an offset (for the ambiguous
  hour of an autumn clock change, e.g. ``2026-10-25T01:30+01:00``);
- ``HH:MM``: that London time on today's date;
- ``wall``: the real clock (to reproduce a report from the field).

time-machine patches the clock at the C level, so the application's ``utc_now()``, JWT expiry and
every library agree. Child processes (servers, CLI runs) are put on the same clock by
``tests/clock_boot/sitecustomize.py``, which Python imports at start-up from ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime, time as wall_time
from pathlib import Path

from shared.timekeeping import LONDON

DEFAULT_CLOCK = "2026-11-25T10:30"
OFFSET_VARIABLE = "DOMICARE_TEST_CLOCK_OFFSET"
BOOT_DIR = Path(__file__).resolve().parent / "clock_boot"

# The clocks tests/test_any_hour.py replays the clock-sensitive tests under, beside the default.
PROOF_CLOCKS = {
    "midday": "2026-11-25T12:00",
    "late evening": "2026-11-25T23:30",
    "small hours": "2026-11-26T03:00",
    "autumn clock-change Sunday, the second 01:30": "2026-10-25T01:30+00:00",
}


def parse_clock(spec: str, today: date | None = None) -> datetime | None:
    """The aware instant a clock specification names, or ``None`` for the wall clock."""
    spec = spec.strip()
    if spec == "wall":
        return None
    if len(spec) == 5 and spec[2] == ":":
        day = today or datetime.now(LONDON).date()
        return datetime.combine(day, wall_time.fromisoformat(spec), tzinfo=LONDON)
    try:
        moment = datetime.fromisoformat(spec)
    except ValueError as exc:
        raise ValueError(f"DOMICARE_TEST_CLOCK={spec!r} is not 'wall', 'HH:MM' or an ISO date-time") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LONDON)


def install_test_clock() -> datetime | None:
    """Put this process, and the processes it starts, on the run's clock; the instant it starts at."""
    if os.environ.get(OFFSET_VARIABLE):  # started by a test run: sitecustomize already travelled
        return None
    start = parse_clock(os.environ.get("DOMICARE_TEST_CLOCK", DEFAULT_CLOCK))
    if start is None:
        return None
    import time_machine

    os.environ[OFFSET_VARIABLE] = repr(start.timestamp() - time.time())
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BOOT_DIR), os.environ.get("PYTHONPATH")]))
    time_machine.travel(start, tick=True).start()
    return start


def wall_clock_environment() -> dict[str, str]:
    """This process's environment without the run's clock, for a child that must choose its own."""
    env = {k: v for k, v in os.environ.items() if k not in (OFFSET_VARIABLE, "DOMICARE_TEST_CLOCK")}
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != BOOT_DIR]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env
