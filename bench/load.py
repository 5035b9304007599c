"""Load: 300 check-ins a second for 60 seconds against the real server, on PostgreSQL and SQLite.

Starts ``python -m domicare serve`` on loopback over a freshly seeded database
(with enough never-started visits cloned in), signs the carers in, then offers
check-ins at a fixed rate (open loop: latency counts from each request's
scheduled start, so a slow server cannot hide behind fewer requests). Each
check-in is real: carer token, assigned visit, GPS geofence check, idempotency key.
Bounded: loopback only, rate x duration requests, 30 s timeout each.
Prints one JSON line per database with errors and p50/p99 latency.

    .venv/bin/python bench/load.py [--databases postgres,sqlite] [--rate 300] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from checkin import add_visits, assignments, check_in, prepare_database, serve, stop, tokens_for  # noqa: E402
from loadgen import open_loop  # noqa: E402  (the bench's lean open-loop generator)

MAX_REQUESTS = 50_000


def run_database(kind: str, rate: float, duration: float, workers: int) -> dict[str, object]:
    needed = int(rate * duration)
    if needed > MAX_REQUESTS:
        raise SystemExit(f"refusing to offer more than {MAX_REQUESTS} requests")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = prepare_database(kind, workdir)
        server, port = serve(url, workdir, workers)
        try:
            base = f"http://127.0.0.1:{port}"
            print(f"{kind}: cloning {needed} visits to check in to", file=sys.stderr, flush=True)
            add_visits(url, needed)
            work = assignments(url)[:needed]
            print(f"{kind}: signing in {len({w.username for w in work})} carers", file=sys.stderr, flush=True)
            tokens = asyncio.run(tokens_for(base, {w.username for w in work}))
            print(f"{kind}: offering {rate:g} check-ins/s for {duration:g} s", file=sys.stderr, flush=True)
            result = asyncio.run(open_loop("127.0.0.1", port, [check_in(w, tokens[w.username]) for w in work], rate))
        finally:
            stop(server)
            drop()
    return {"bench": "load", "database": kind, "workers": workers, "duration_s": duration, "requests": needed, **result,
            "target": {"errors": 0, "p99_ms_below": 150}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="postgres,sqlite")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2,
                        help="server processes on PostgreSQL (SQLite always runs one: it allows one writer)")
    args = parser.parse_args()
    for kind in args.databases.split(","):
        kind = kind.strip()
        workers = args.workers if kind == "postgres" else 1
        print(json.dumps(run_database(kind, args.rate, args.duration, workers)), flush=True)


if __name__ == "__main__":
    main()
