"""Process trees from /proc, for tests that check no child process outlives its parent (Linux only)."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

PROC = Path("/proc")


def require_proc() -> None:
    """Skip the test where there is no Linux /proc to read process trees from."""
    if not sys.platform.startswith("linux") or not PROC.is_dir():
        pytest.skip("reading process trees needs Linux /proc")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of a process, or ``None`` once it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a zombie runs nothing; it only waits to be reaped)."""
    found = _stat(pid)
    return found is not None and found[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (children, their children, ...)."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None and found[0] != "Z":
                parents[int(entry.name)] = found[1]
    below: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return below


def survivors(pids: set[int], within: float = 15.0) -> set[int]:
    """The processes of ``pids`` still alive after waiting up to ``within`` seconds for them to end."""
    deadline = time.monotonic() + within
    living = {p for p in pids if alive(p)}
    while living and time.monotonic() < deadline:
        time.sleep(0.1)
        living = {p for p in living if alive(p)}
    return living


def kill_all(pids: set[int]) -> None:
    """SIGKILL whatever of ``pids`` is still alive (a failed test must not leave spinning processes behind)."""
    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
