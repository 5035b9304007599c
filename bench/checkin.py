"""Check-in throughput and latency against a bare Litestar endpoint, measured in the same run.

Starts the real backend (`python -m domicare serve`) on a freshly seeded database and a bare
Litestar app as subprocesses on loopback, then for each:
  1. closed loop: as fast as CONCURRENCY clients can go, for throughput (the ratio's basis);
  2. open loop: a fixed RATE of requests per second for DURATION seconds, for p50/p99.
Each check-in is real: a signed-in carer, a visit assigned to them, a GPS fix checked against
the client's geofence, an idempotency key. Prints one JSON line per database.

    .venv/bin/python bench/checkin.py [--databases sqlite,postgres] [--rate 300] [--duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BARE_APP = '''
from litestar import Litestar, post

@post("/bare", status_code=201)
async def bare(data: dict) -> dict:
    return {"ok": True, "echo": len(data)}

app = Litestar([bare])
'''

Request = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early with code {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up in {timeout_s:.0f} s")


def start(args: list[str], env: dict[str, str], health: str) -> subprocess.Popen[bytes]:
    # BENCH_SERVER_LOG=FILE keeps the servers' output for diagnosis (appended); otherwise it is dropped.
    log_path = os.environ.get("BENCH_SERVER_LOG")
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (the child holds it open)
    process = subprocess.Popen(args, env=env, stdout=log, stderr=log)
    wait_up(health, process)
    return process


def prepare_database(kind: str, workdir: Path) -> tuple[str, Callable[[], None]]:
    """A freshly migrated and seeded database URL, and how to drop it afterwards."""
    from tests.conftest import DatabaseFactory, require_service  # reuse the test suite's database set-up

    if kind == "postgres":
        try:
            require_service("PostgreSQL", "127.0.0.1", 5432)
        except BaseException as exc:  # pytest.skip/fail outside pytest
            raise SystemExit(f"PostgreSQL is not available: {exc}") from None
    factory = DatabaseFactory(kind, workdir)
    return factory.new("seeded"), factory.drop_all


def add_visits(url: str, count: int) -> None:
    """Clone existing visits (with their carer) until there are enough never-started ones to check in to."""
    from sqlalchemy import func, insert, select, text

    from backend.database.engine import create_engine
    from backend.domain.visits.models import Visit, VisitAssignment

    async def run() -> None:
        engine = create_engine(url)
        async with engine.begin() as connection:
            template = (await connection.execute(
                select(Visit.__table__, VisitAssignment.carer_id).join(VisitAssignment, VisitAssignment.visit_id == Visit.id)
                .where(Visit.carers_needed == 1).limit(500))).mappings().all()
            next_id = int((await connection.execute(select(func.max(Visit.id)))).scalar_one()) + 1
            next_assignment = int((await connection.execute(select(func.max(VisitAssignment.id)))).scalar_one()) + 1
            visits, links = [], []
            for n in range(count):
                source = template[n % len(template)]
                row = {c: source[c] for c in Visit.__table__.columns.keys()}
                row.update(id=next_id + n, status="planned")
                visits.append(row)
                links.append({"id": next_assignment + n, "provider_id": source["provider_id"], "visit_id": next_id + n,
                              "carer_id": source["carer_id"]})
            await connection.execute(insert(Visit.__table__), visits)
            await connection.execute(insert(VisitAssignment.__table__), links)
            if connection.dialect.name == "postgresql":
                for table in ("visit", "visitassignment"):
                    await connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                                  f"(SELECT MAX(id) FROM {table}))"))
        await engine.dispose()

    asyncio.run(run())


def assignments(url: str) -> list[tuple[int, str, float, float]]:
    """(visit id, carer username, home lat, home lon) for every assignment: each can check in once."""
    from sqlalchemy import select

    from backend.domain.accounts.models import User
    from backend.domain.people.models import Carer, Client
    from backend.domain.visits.models import Visit, VisitAssignment, VisitEvent
    from tests.support.visits import query

    already = select(VisitEvent.visit_id)
    rows = query(url, select(Visit.id, User.username, Client.lat, Client.lon)
                 .join(VisitAssignment, VisitAssignment.visit_id == Visit.id)
                 .join(Carer, Carer.id == VisitAssignment.carer_id).join(User, User.id == Carer.user_id)
                 .join(Client, Client.id == Visit.client_id).where(Visit.id.not_in(already)).order_by(Visit.id))
    return [tuple(r) for r in rows]


async def tokens_for(base: str, usernames: set[str]) -> dict[str, str]:
    """Sign every carer in, a few at a time: sign-in is deliberately slow (argon2)."""
    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        async def one(name: str) -> tuple[str, str]:
            async with gate:
                response = await client.post("/api/v1/auth/token", data={"username": name, "password": "demo-password"})
            response.raise_for_status()
            return name, response.json()["access_token"]

        return dict(await asyncio.gather(*(one(n) for n in sorted(usernames))))


def checkin_requests(work: list[tuple[int, str, float, float]], tokens: dict[str, str]) -> list[Request]:
    def make(visit_id: int, username: str, lat: float, lon: float) -> Request:
        body = {"at": datetime.now(timezone.utc).isoformat(), "method": "gps",
                "location": {"lat": lat + 0.0003, "lon": lon, "accuracy_m": 12}}
        headers = {"Authorization": f"Bearer {tokens[username]}", "Idempotency-Key": str(uuid.uuid4())}
        return lambda client: client.post(f"/api/v1/visits/{visit_id}/check-in", json=body, headers=headers)

    return [make(*w) for w in work]


def bare_requests(n: int) -> list[Request]:
    body = {"at": datetime.now(timezone.utc).isoformat(), "method": "gps", "location": {"lat": 53.4, "lon": -2.9}}
    return [lambda client: client.post("/bare", json=body) for _ in range(n)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def closed_loop(base: str, requests: list[Request], concurrency: int) -> dict[str, float]:
    """All requests as fast as ``concurrency`` clients can send them."""
    queue = list(reversed(requests))
    errors = 0
    statuses: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        async def worker() -> None:
            nonlocal errors
            while queue:
                response = await queue.pop()(client)
                errors += response.status_code >= 400
                if response.status_code >= 400:
                    statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"requests": len(requests), "errors": errors, "error_statuses": statuses,
            "throughput_rps": round(len(requests) / elapsed, 1)}


OPEN_LOOP_CONNECTIONS = 32


async def open_loop(base: str, requests: list[Request], rate: float) -> dict[str, float]:
    """Requests started at a fixed rate regardless of responses; latency measured from the scheduled start.

    Requests beyond the connection limit wait on a semaphore here rather than in
    httpx's pool, whose queue is scanned on every release and turns a backlog of
    thousands into minutes of client CPU; their wait still counts, from the due time.
    """
    latencies: list[float] = []
    errors = 0
    statuses: dict[str, int] = {}
    gate = asyncio.Semaphore(OPEN_LOOP_CONNECTIONS)
    limits = httpx.Limits(max_connections=OPEN_LOOP_CONNECTIONS, max_keepalive_connections=OPEN_LOOP_CONNECTIONS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        async def one(request: Request, due: float) -> None:
            nonlocal errors
            async with gate:
                try:
                    response = await request(client)
                    status = str(response.status_code)
                except httpx.TransportError as exc:
                    status = type(exc).__name__
                if not status.startswith("2"):
                    errors += 1
                    statuses[status] = statuses.get(status, 0) + 1
            latencies.append(time.perf_counter() - due)

        started = time.perf_counter()
        tasks = []
        for i, request in enumerate(requests):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(request, due)))
            if i and i % int(rate * 10) == 0:
                print(f"  {i} requests offered, {len(latencies)} answered", file=sys.stderr, flush=True)
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return {
        "offered_rps": rate, "achieved_rps": round(len(requests) / elapsed, 1), "errors": errors,
        "error_statuses": statuses, "answered_ok_rps": round((len(requests) - errors) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1), "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


def run_database(kind: str, rate: float, duration: float, concurrency: int, closed_n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = prepare_database(kind, workdir)
        env = {**os.environ, "DOMICARE_DATA_DIR": str(workdir), "DOMICARE_SCHEDULER": "0"}
        backend_port, bare_port = free_port(), free_port()
        (workdir / "bare_app.py").write_text(BARE_APP)
        backend = start([sys.executable, "-m", "domicare", "serve", "--database-url", url, "--port", str(backend_port),
                         "--no-access-log"],
                        env, f"http://127.0.0.1:{backend_port}/health")
        bare = start([sys.executable, "-m", "uvicorn", "--app-dir", str(workdir), "bare_app:app", "--port", str(bare_port),
                      "--log-level", "warning"], env, f"http://127.0.0.1:{bare_port}/")
        try:
            base, bare_base = f"http://127.0.0.1:{backend_port}", f"http://127.0.0.1:{bare_port}"
            needed = closed_n + int(rate * duration)
            add_visits(url, needed)
            work = assignments(url)
            tokens = asyncio.run(tokens_for(base, {w[1] for w in work[:needed]}))
            requests = checkin_requests(work[:needed], tokens)
            bare_closed = asyncio.run(closed_loop(bare_base, bare_requests(closed_n), concurrency))
            checkin_closed = asyncio.run(closed_loop(base, requests[:closed_n], concurrency))
            checkin_open = asyncio.run(open_loop(base, requests[closed_n:], rate))
        finally:
            for process in (backend, bare):
                process.terminate()
                process.wait(timeout=20)
            drop()
    return {
        "bench": "checkin", "database": kind,
        "bare": bare_closed, "checkin": checkin_closed, "checkin_at_rate": checkin_open,
        "ratio_checkin_to_bare": round(checkin_closed["throughput_rps"] / bare_closed["throughput_rps"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--closed-requests", type=int, default=1500)
    args = parser.parse_args()
    for kind in args.databases.split(","):
        print(json.dumps(run_database(kind.strip(), args.rate, args.duration, args.concurrency, args.closed_requests)), flush=True)


if __name__ == "__main__":
    main()
