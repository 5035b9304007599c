"""A stopped server leaves no solver worker behind, however it was stopped (issue 14, item 11).

A real ``domicare serve`` process runs a long roster job through the API; while its worker solves,
the server is killed (SIGKILL: no shutdown hook runs) or stopped (SIGTERM), and every process below it
must end. Before the fix two workers kept spinning after every fuzz run.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fixtures.city import DEMO_PASSWORD
from shared.timekeeping import LONDON, utc_now
from tests.support.processes import descendants, kill_all, require_proc, survivors
from tests.support.servers import ROOT, ServerProcess, free_port


def _start_long_solve(server: ServerProcess) -> None:
    """Queue a roster job that solves for minutes and wait until a worker process is solving it."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        token = client.post("/api/v1/auth/token", data={"username": "supervisor.demo", "password": DEMO_PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        today = utc_now().astimezone(LONDON).date().isoformat()
        job = client.post("/api/v1/rosters", json={"date": today, "days": 7, "time_limit_s": 600}, headers=headers)
        assert job.status_code == 202, job.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            body = client.get(f"/api/v1/rosters/{job.json()['id']}", headers=headers).json()
            assert body["status"] in ("queued", "running"), body
            if body["status"] == "running" and descendants(server.process.pid):  # type: ignore[union-attr]
                return
            time.sleep(0.2)
    raise AssertionError("the roster job never started solving in a worker process")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_no_worker_outlives_a_stopped_server(seeded_db_url: str, tmp_path: Path, stop: signal.Signals) -> None:
    require_proc()
    server = ServerProcess(seeded_db_url, free_port(), tmp_path / "server", scheduler=False)
    server.start()
    workers: set[int] = set()
    try:
        _start_long_solve(server)
        workers = descendants(server.process.pid)  # type: ignore[union-attr]
        assert workers, "the solve runs in a worker process"
        server.process.send_signal(stop)  # type: ignore[union-attr]
        server.process.wait(timeout=30)  # type: ignore[union-attr]
        assert survivors(workers) == set(), "every worker ended with the server"
    finally:
        server.kill()
        kill_all(workers)


def test_a_child_whose_parent_is_killed_ends_by_the_watchdog_alone(tmp_path: Path) -> None:
    """The portable guard (no kernel help): a child polling its parent's pid ends once it is reparented."""
    require_proc()
    child_code = (
        "import sys\nfrom shared.parent_death import exit_with_parent\n"
        "exit_with_parent(int(sys.argv[1]), kernel_guard=False)\n"
        "while True: pass\n"  # spin, as a solve would
    )
    parent_code = (
        "import os, subprocess, sys, time; "
        f"subprocess.Popen([sys.executable, '-c', {child_code!r}, str(os.getpid())]); time.sleep(600)"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], cwd=ROOT, stdout=subprocess.DEVNULL)
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 30
        while not children and time.monotonic() < deadline:
            time.sleep(0.1)
            children = descendants(parent.pid)
        assert children, "the parent started its child"
        parent.kill()
        parent.wait()
        assert survivors(children) == set()
    finally:
        parent.kill()
        parent.wait()
        kill_all(children)


# Solves that start processes of their own: how many, and a solve that keeps them busy for minutes.
OWN_PROCESSES = {
    "city day patches": (2, "from fixtures.rostering_day import city_day\nfrom rostering.roster import solve_day\n"
                            "visits, carers = city_day(visits=420, carers=60, seed=3)\n"
                            "solve_day(visits, carers, time_limit=600, decompose=True, workers=2)\n"),
    # Two customers too heavy for one vehicle: the fleet phase looks for one vehicle for minutes.
    "solomon second search": (1, "from rostering.formats.solomon import parse_instance\n"
                                 "from rostering.solvers.solomon import solve\n"
                                 "depot = {'id': 0, 'x': 0, 'y': 0, 'demand': 0, 'earliest': 0, 'latest': 100, 'cost': 0}\n"
                                 "customers = [{'id': i, 'x': 3, 'y': i, 'demand': 6, 'earliest': 0, 'latest': 50,"
                                 " 'cost': 1} for i in (1, 2)]\n"
                                 "solve(parse_instance({'instance': 'tiny', 'vehicle-nr': 2, 'capacity': 10,"
                                 " 'customers': [depot, *customers]}), time_limit=600, workers=2)\n"),
}


@pytest.mark.parametrize("solve", sorted(OWN_PROCESSES))
def test_a_solve_s_own_processes_end_with_it(solve: str) -> None:
    """A city-scale day solves its patches, and a Solomon solve its second search, in processes of their own;
    killing the solve ends them all."""
    require_proc()
    count, code = OWN_PROCESSES[solve]
    solver = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL)
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while len(_spawned(children)) < count and time.monotonic() < deadline:
            time.sleep(0.2)
            children = descendants(solver.pid)
        assert len(_spawned(children)) == count, f"the solve runs {count} processes of its own"
        solver.kill()
        solver.wait()
        assert survivors(children) == set(), "every process of the solve ended with it"
    finally:
        solver.kill()
        solver.wait()
        kill_all(children)


def _spawned(pids: set[int]) -> set[int]:
    """The pool workers among ``pids`` (not multiprocessing's resource tracker)."""
    def command(pid: int) -> bytes:
        try:
            return (Path("/proc") / str(pid) / "cmdline").read_bytes()
        except OSError:
            return b""

    return {pid for pid in pids if b"spawn_main" in command(pid)}
