"""Long commands report progress on standard error: a bar in a terminal, JSON lines otherwise."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from domicare.progress import Progress, for_people
from tests.rostering.conftest import DATA


def test_figures_are_rounded_for_people() -> None:
    assert for_people({"distance": 654.5959999999999, "vehicles": 10, "name": "c101"}) == {
        "distance": 654.6, "vehicles": 10, "name": "c101"}


def test_without_a_terminal_progress_is_json_lines_at_most_once_a_second() -> None:
    stream = io.StringIO()
    with Progress("export", unit="visits", stream=stream) as progress:
        for done in range(1, 1001):
            progress.update(done, rows=done * 2)
        progress.note("wrote it", out="x.csv")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert 2 <= len(lines) <= 4, "throttled, not one line per update"
    assert lines[-2] == {"task": "export", "message": "wrote it", "out": "x.csv"}
    assert lines[-1] == {"task": "export", "done": 1000, "total": None, "unit": "visits", "rows": 2000, "finished": True}


def test_in_a_terminal_roster_solve_draws_a_bar_and_keeps_stdout_one_json_line(tmp_path: Path) -> None:
    if not DATA.is_dir():
        pytest.skip(f"benchmark data not found at {DATA}")
    parent, child = pty.openpty()  # stderr is a terminal, as when a person runs the command
    out = tmp_path / "toy.solution.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "domicare", "roster", "solve", str(DATA / "hhcrsp" / "toy.json"), "--time-limit", "2",
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=child, env={**os.environ, "COLUMNS": "120", "TERM": "xterm"}, text=True,
    )
    os.close(child)
    screen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([parent], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(parent, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        elif process.poll() is not None:
            break
    stdout, _ = process.communicate(timeout=30)
    os.close(parent)
    text = screen.decode(errors="replace")
    assert process.returncode == 0, text
    assert "roster solve" in text and "━" in text, "a progress bar"
    assert '{"task"' not in text, "no JSON lines in a terminal"
    assert f"wrote the solution to {out.resolve()}" in text.replace("\r\n", "").replace("\n", "")
    (line,) = stdout.strip().splitlines()
    assert set(json.loads(line)) == {"distance_traveled", "total_tardiness", "max_tardiness", "total_cost"}
