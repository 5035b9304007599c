"""A city's providers (17 in ``domicare seed --size city``) rostered side by side by queue workers.

    .venv/bin/domicare seed --size city --database-url sqlite+aiosqlite:////tmp/city.db   # once
    flock /work/wt/bench.lock .venv/bin/python bench/roster_providers.py \\
        --database-url sqlite+aiosqlite:////tmp/city.db --workers 2 --time-limit 30

Starts ``--workers`` ``domicare worker`` processes on the local Redis (a queue name of this run's own), runs
``domicare roster-providers`` for today (one roster job per provider, each an ordinary job with progress),
and reports: wall seconds until every job finished, the sum of the jobs' own solve seconds (their ratio is
how many solves ran at once), how many jobs each worker ran, visits and unassigned visits over the city.
Prints one JSON line. Every process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import WorkerProcess  # noqa: E402  (after the path is set)


def run(database_url: str, workers: int, time_limit: float, redis_url: str, folder: Path) -> dict[str, Any]:
    env = {"DOMICARE_MQTT_INGEST": "0", "DOMICARE_JOB_QUEUE": redis_url,
           "DOMICARE_JOB_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:8]}"}
    processes = [WorkerProcess(database_url, folder / f"worker{n}", env) for n in range(workers)]
    try:
        for process in processes:
            process.start(timeout=600)  # each loads (or compiles) the search kernels first
        from shared.timekeeping import LONDON, utc_now

        today = utc_now().astimezone(LONDON).date().isoformat()
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "domicare", "roster-providers", "--date", today, "--time-limit", str(time_limit),
             "--database-url", database_url],
            cwd=ROOT, env={**os.environ, **env, "DOMICARE_DATA_DIR": str(folder / "cli")},
            capture_output=True, text=True, check=False,
        )
        wall = time.monotonic() - began
        if done.returncode not in (0, 1):
            raise RuntimeError(done.stderr[-3000:])
        jobs = json.loads(done.stdout.strip().splitlines()[-1])["jobs"]
    finally:
        for process in processes:
            process.stop()
    solve_seconds = sum(job["solve_seconds"] or 0.0 for job in jobs)
    return {
        "bench": "roster_providers", "providers": len(jobs), "workers": workers, "time_limit_s": time_limit,
        "statuses": dict(Counter(job["status"] for job in jobs)), "wall_s": round(wall, 1),
        "sum_solve_s": round(solve_seconds, 1), "solves_at_once": round(solve_seconds / wall, 2),
        "jobs_per_worker": sorted(Counter(job["worker"].split(":")[1] for job in jobs if job["worker"]).values()),
        "unassigned_visits": sum(job["unassigned_visits"] or 0 for job in jobs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database seeded with `domicare seed --size city`")
    parser.add_argument("--workers", type=int, default=2, help="queue workers (one solve each at a time)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds per provider's day")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roster-providers-") as folder:
        outcome = run(args.database_url, args.workers, args.time_limit, args.redis_url, Path(folder))
        print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
