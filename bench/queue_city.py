"""A city provider's day (about 1,500 visits) solved through the API as a queued job, with its progress.

    .venv/bin/domicare seed --size city --database-url sqlite+aiosqlite:////tmp/city.db   # once
    flock /work/wt/bench.lock .venv/bin/python bench/queue_city.py --database-url sqlite+aiosqlite:////tmp/city.db
    flock /work/wt/bench.lock .venv/bin/python bench/queue_city.py --embedded --database-url ...

Starts the real backend (``domicare serve``, scheduler off) and one ``domicare worker`` on the local Redis
(``DOMICARE_JOB_QUEUE``, a queue name of this run's own), or with ``--embedded`` the backend alone, whose
own solver pool runs the job (the demo's default); signs in as a provider's supervisor (provider 1:
``supervisor.demo``; provider N: ``supervisor.pNNN``), asks for today's rota (``POST /api/v1/rosters``) and polls the job's route once a
second, as a browser would. Reports, from the client's side: seconds until the job runs, until the first
valid rota is shown (``best_so_far``), until done; the job's own ``first_valid_s`` (from its start); the
progress and stages seen; the final objective; and the peak memory of the process that solves (worker,
or server when embedded) with its solver processes (sum of their RSS, sampled from /proc each second).
Prints one JSON line. Every process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.processes import descendants, kill_all  # noqa: E402  (after the path is set)
from tests.support.servers import ServerProcess, WorkerProcess, free_port  # noqa: E402

PASSWORD = "demo-password"


def _rss_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run(database_url: str, time_limit: float, redis_url: str | None, provider: int, folder: Path) -> dict[str, Any]:
    env = {"DOMICARE_MQTT_INGEST": "0"}
    if redis_url is not None:
        env |= {"DOMICARE_JOB_QUEUE": redis_url, "DOMICARE_JOB_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:8]}"}
    server = ServerProcess(database_url, free_port(), folder / "server", scheduler=False, extra_env=env)
    worker = WorkerProcess(database_url, folder / "worker", env) if redis_url is not None else None
    below: set[int] = set()
    try:
        server.start(timeout=300)
        began_worker = time.monotonic()
        if worker is not None:
            worker.start(timeout=600)  # it loads (or compiles) the search kernels before it takes jobs
        worker_ready_s = time.monotonic() - began_worker
        solver_pid = worker.pid if worker is not None else server.process.pid  # type: ignore[union-attr]
        base_url = server.base_url
        username = "supervisor.demo" if provider == 1 else f"supervisor.p{provider:03d}"
        with httpx.Client(base_url=base_url, timeout=60) as client:
            token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            from shared.timekeeping import LONDON, utc_now

            today = utc_now().astimezone(LONDON).date().isoformat()
            began = time.monotonic()
            created = client.post("/api/v1/rosters", json={"date": today, "time_limit_s": time_limit}, headers=headers)
            created.raise_for_status()
            job_id = created.json()["id"]
            marks: dict[str, float] = {}
            stages: list[str] = []
            peak_mb = 0.0
            while True:
                body = client.get(f"/api/v1/rosters/{job_id}", headers=headers).json()
                now = time.monotonic() - began
                below = descendants(solver_pid) | below
                peak_mb = max(peak_mb, _rss_mb(descendants(solver_pid) | {solver_pid}))
                if body["status"] == "running":
                    marks.setdefault("running", now)
                if body.get("best_so_far"):
                    marks.setdefault("first_valid_rota", now)
                if body["stage"] and (not stages or stages[-1] != body["stage"]):
                    stages.append(body["stage"])
                if body["status"] in ("done", "failed"):
                    marks["finished"] = now
                    break
                if now > time_limit * 3 + 600:
                    raise RuntimeError(f"the job did not finish: {body}")
                time.sleep(1.0)
        objective = body.get("objective") or {}
        visits = sum(day.get("visits", 0) for day in body.get("days_summary", []))
        return {
            "bench": "queue_city", "queue": "saq" if worker is not None else "embedded", "provider": provider,
            "visits": visits, "time_limit_s": time_limit, "status": body["status"], "error": body.get("error"),
            "worker_ready_s": round(worker_ready_s, 1), "running_after_s": round(marks.get("running", -1), 1),
            "first_valid_rota_s": round(marks.get("first_valid_rota", -1), 1), "job_first_valid_s": body.get("first_valid_s"),
            "done_s": round(marks["finished"], 1), "solve_seconds": body.get("solve_seconds"),
            "objective": objective.get("total"), "unassigned_visits": objective.get("unassigned_visits"),
            "travel_minutes": objective.get("travel_minutes"), "unfamiliar_visits": objective.get("unfamiliar_visits"),
            "peak_solver_rss_mb": round(peak_mb, 1), "stages": stages, "solver_processes_seen": len(below) + 1,
        }
    finally:
        server.stop()
        if worker is not None:
            worker.stop()
        kill_all(below)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database seeded with `domicare seed --size city`")
    parser.add_argument("--provider", type=int, default=1, help="the provider whose day is solved")
    parser.add_argument("--time-limit", type=float, default=300.0, help="the solver's seconds (the target: done in 5 min)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--embedded", action="store_true", help="no queue: the server's own solver pool runs the job")
    args = parser.parse_args()
    redis_url = None if args.embedded else args.redis_url
    with tempfile.TemporaryDirectory(prefix="queue-city-") as folder:
        print(json.dumps(run(args.database_url, args.time_limit, redis_url, args.provider, Path(folder))), flush=True)


if __name__ == "__main__":
    main()
