"""Check-in at the speed of the hardware: server CPU per request, throughput, and scaling to two workers.

Starts the real backend (``python -m domicare serve --no-access-log``) as its own process on a
freshly seeded database (the tests' small city, with never-started visits cloned in), then:

1. **CPU per request.** Sequential keep-alive requests; the server's CPU (utime + stime of its
   process tree from ``/proc``) is read around each batch, so the client never counts. Paths:
   ``GET /health``, an authenticated ``GET /api/v1/me`` (the baseline), a GPS check-in, a check-out
   with task and medication outcomes, a case note, a sync batch of 50 actions (10 check-ins, their
   10 check-outs, 30 notes), the carer's rota (``GET /api/v1/me/visits``) and the supervisor's board
   (``GET /api/v1/board``). Each figure also as a ratio to ``/api/v1/me`` in the same run.
2. **Throughput** with wrk (compiled; it uses a few per cent of a core) over 16 keep-alive
   connections: ``/api/v1/me`` and GPS check-ins (each prepared check-in sent once).
3. **Scale out** (PostgreSQL): check-in throughput with 1 and 2 worker processes, and check-ins
   offered at ``--rate`` per second to 2 workers for ``--duration`` seconds (open loop, p50/p99).

Each check-in is real: a signed-in carer, a visit assigned to them, a GPS fix checked against the
client's geofence, its own idempotency key. Prints one JSON line per database.

    .venv/bin/python bench/checkin.py [--databases sqlite,postgres] [--rate 300] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import httpx
import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadgen import Prepared, open_loop, wrk_throughput  # noqa: E402  (the bench's own load generators)

TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP = 20  # requests per path before measuring: first-call work (imports, statement compilation) is not the steady state
SYNC_BATCH = (10, 10, 30)  # check-ins, their check-outs, notes
SYNC_WARM_UP = 2  # batches
WRK_SECONDS = 5
WRK_CONNECTIONS = 16
WRK_CHECKINS = 5000  # wrk sends each once: enough that two workers at ~900/s do not run out within WRK_SECONDS


# --- the server ------------------------------------------------------------------------------------------------

def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """Wait until ``url`` answers, or fail if the process exits or the time runs out."""
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
    """Start a server process and wait for it to answer."""
    # BENCH_SERVER_LOG=FILE keeps the servers' output for diagnosis (appended); otherwise it is dropped.
    log_path = os.environ.get("BENCH_SERVER_LOG")
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (the child holds it open)
    process = subprocess.Popen(args, env=env, stdout=log, stderr=log)
    wait_up(health, process)
    return process


def serve(url: str, workdir: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], int]:
    """``domicare serve`` on a free port (scheduler off, sign-in rate limit lifted for the bench's carers)."""
    env = {**os.environ, "DOMICARE_DATA_DIR": str(workdir), "DOMICARE_SCHEDULER": "0",
           "DOMICARE_SIGNIN_IP_LIMIT_PER_MINUTE": "100000"}
    port = free_port()
    process = start([sys.executable, "-m", "domicare", "serve", "--database-url", url, "--host", "127.0.0.1",
                     "--port", str(port), "--no-access-log", "--workers", str(workers)],
                    env, f"http://127.0.0.1:{port}/health")
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by :func:`start`."""
    process.terminate()
    process.wait(timeout=20)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live descendants (the workers)."""
    total = 0
    for each in _descendants(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / TICKS


# --- the data ---------------------------------------------------------------------------------------------------

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
                .where(Visit.carers_needed == 1).order_by(Visit.id).limit(500))).mappings().all()
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
            for chunk in range(0, count, 2000):
                await connection.execute(insert(Visit.__table__), visits[chunk:chunk + 2000])
                await connection.execute(insert(VisitAssignment.__table__), links[chunk:chunk + 2000])
            if connection.dialect.name == "postgresql":
                for table in ("visit", "visitassignment"):
                    await connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                                  f"(SELECT MAX(id) FROM {table}))"))
        await engine.dispose()

    asyncio.run(run())


class Work(msgspec.Struct, frozen=True):
    """A never-started visit its carer can check in to (and out of, with these outcomes)."""

    visit_id: int
    username: str
    lat: float
    lon: float
    tasks: list[str]
    medications: list[str]


def assignments(url: str) -> list[Work]:
    """Every assignment of a visit nobody has acted on, by visit id: each can check in once."""
    from sqlalchemy import select

    from backend.domain.accounts.models import User
    from backend.domain.people.models import Carer, Client
    from backend.domain.visits.models import Visit, VisitAssignment, VisitEvent
    from tests.support.visits import query

    already = select(VisitEvent.visit_id)
    rows = query(url, select(Visit.id, User.username, Client.lat, Client.lon, Visit.tasks, Visit.medications)
                 .join(VisitAssignment, VisitAssignment.visit_id == Visit.id)
                 .join(Carer, Carer.id == VisitAssignment.carer_id).join(User, User.id == Carer.user_id)
                 .join(Client, Client.id == Visit.client_id)
                 .where(Visit.id.not_in(already), Visit.carers_needed == 1).order_by(Visit.id))
    return [Work(r[0], r[1], r[2], r[3], [t["id"] for t in r[4]], [m["id"] for m in r[5]]) for r in rows]


async def tokens_for(base: str, usernames: set[str]) -> dict[str, str]:
    """Sign every user in, a few at a time: sign-in is deliberately slow (argon2)."""
    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        async def one(name: str) -> tuple[str, str]:
            async with gate:
                response = await client.post("/api/v1/auth/token", data={"username": name, "password": "demo-password"})
            response.raise_for_status()
            return name, response.json()["access_token"]

        return dict(await asyncio.gather(*(one(n) for n in sorted(usernames))))


# --- the requests -----------------------------------------------------------------------------------------------

def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def check_in(work: Work, token: str) -> Prepared:
    """A GPS check-in a few tens of metres from the home, inside its geofence."""
    body = {"at": _now(), "method": "gps", "location": {"lat": work.lat + 0.0003, "lon": work.lon, "accuracy_m": 12}}
    return Prepared("POST", f"/api/v1/visits/{work.visit_id}/check-in", token, json.dumps(body))


def _check_out_body(work: Work) -> dict[str, object]:
    return {"at": _now(), "method": "gps", "location": {"lat": work.lat, "lon": work.lon + 0.0002, "accuracy_m": 8},
            "task_outcomes": [{"task_id": t, "outcome": "done"} for t in work.tasks],
            "medication_outcomes": [{"medication_id": m, "outcome": "given"} for m in work.medications]}


def check_out(work: Work, token: str) -> Prepared:
    """A GPS check-out with an outcome for every task and medication."""
    return Prepared("POST", f"/api/v1/visits/{work.visit_id}/check-out", token, json.dumps(_check_out_body(work)))


def note(work: Work, token: str) -> Prepared:
    """A case note of a typical length."""
    body = {"at": _now(), "text": "Ate most of lunch, in good spirits; reminded about the GP appointment on Friday."}
    return Prepared("POST", f"/api/v1/visits/{work.visit_id}/notes", token, json.dumps(body))


def sync_batch(visits: list[Work], token: str, batch: int) -> Prepared:
    """One offline batch: check in to and out of each visit, then notes on them (SYNC_BATCH's mix)."""
    check_ins, check_outs, notes = SYNC_BATCH
    actions = [{"idempotency_key": str(uuid.uuid4()), "kind": "check_in", "visit_id": w.visit_id, "at": _now(),
                "payload": json.loads(check_in(w, token).body)} for w in visits[:check_ins]]
    actions += [{"idempotency_key": str(uuid.uuid4()), "kind": "check_out", "visit_id": w.visit_id, "at": _now(),
                 "payload": _check_out_body(w)} for w in visits[:check_outs]]
    actions += [{"idempotency_key": str(uuid.uuid4()), "kind": "note", "visit_id": visits[n % len(visits)].visit_id,
                 "at": _now(), "payload": {"text": f"note {batch}.{n}: all well"}} for n in range(notes)]
    for action in actions:
        action["payload"].pop("at", None)  # type: ignore[attr-defined]
    return Prepared("POST", "/api/v1/sync", token, json.dumps({"actions": actions}))


def sync_batches(pool: Iterator[Work], tokens: dict[str, str], batches: int) -> list[Prepared]:
    """``batches`` sync batches, each of one carer's visits."""
    per_carer: dict[str, list[Work]] = defaultdict(list)
    prepared: list[Prepared] = []
    for work in pool:
        per_carer[work.username].append(work)
        if len(per_carer[work.username]) == SYNC_BATCH[0]:
            prepared.append(sync_batch(per_carer.pop(work.username), tokens[work.username], len(prepared)))
            if len(prepared) == batches:
                return prepared
    raise SystemExit("not enough cloned visits for the sync batches")


# --- the measurements -------------------------------------------------------------------------------------------

def cpu_per_request(base: str, pid: int, requests: list[Prepared], warm: int = WARM_UP) -> dict[str, object]:
    """Server CPU per request over the batch (after ``warm`` requests), sent one at a time on one connection."""
    errors: dict[int, int] = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        def send(request: Prepared) -> None:
            headers = {"Authorization": f"Bearer {request.token}"} if request.token else {}
            if request.method == "POST":
                headers |= {"Idempotency-Key": os.urandom(12).hex(), "Content-Type": "application/json"}
            response = client.request(request.method, request.path, headers=headers, content=request.body or None)
            if response.status_code >= 300:
                errors[response.status_code] = errors.get(response.status_code, 0) + 1

        for request in requests[:warm]:
            send(request)
        measured = requests[warm:]
        before, started = server_cpu_s(pid), time.perf_counter()
        for request in measured:
            send(request)
        cpu, elapsed = server_cpu_s(pid) - before, time.perf_counter() - started
    if errors:
        raise SystemExit(f"{requests[0].path}: error answers {errors}")
    return {"requests": len(measured), "cpu_ms": round(cpu / len(measured) * 1000, 3),
            "wall_ms": round(elapsed / len(measured) * 1000, 3)}


def under_wrk(base: str, pid: int, requests: list[Prepared]) -> dict[str, object]:
    """wrk's throughput, with the server's and wrk's own CPU per request during the run."""
    server_before = server_cpu_s(pid)
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = wrk_throughput(base, requests, connections=WRK_CONNECTIONS, seconds=WRK_SECONDS)
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sent = max(1, int(figures["requests"]))  # type: ignore[call-overload]
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    return {**figures, "server_cpu_ms": round((server_cpu_s(pid) - server_before) / sent * 1000, 3),
            "wrk_cpu_ms": round(client_cpu / sent * 1000, 3)}


class Pool:
    """The cloned visits, handed out once each."""

    def __init__(self, work: list[Work], tokens: dict[str, str]) -> None:
        self.work = iter(work)
        self.tokens = tokens

    def take(self, n: int) -> list[Work]:
        """The next ``n`` unused visits."""
        taken = [w for _, w in zip(range(n), self.work)]
        if len(taken) < n:
            raise SystemExit("not enough cloned visits")
        return taken

    def check_ins(self, n: int) -> tuple[list[Work], list[Prepared]]:
        """``n`` visits and a check-in to each."""
        visits = self.take(n)
        return visits, [check_in(w, self.tokens[w.username]) for w in visits]


def per_request_figures(base: str, pid: int, pool: Pool, tokens: dict[str, str], n: int) -> dict[str, object]:
    """Step 1: server CPU per request for each path, and its ratio to ``GET /api/v1/me``."""
    carer, supervisor = tokens["carer.demo"], tokens["supervisor.demo"]
    visits, check_ins = pool.check_ins(WARM_UP + n)
    figures = {
        "health": cpu_per_request(base, pid, [Prepared("GET", "/health")] * (WARM_UP + 4 * n)),
        "me": cpu_per_request(base, pid, [Prepared("GET", "/api/v1/me", carer)] * (WARM_UP + 4 * n)),
        "rota": cpu_per_request(base, pid, [Prepared("GET", "/api/v1/me/visits", carer)] * (WARM_UP + n)),
        "board": cpu_per_request(base, pid, [Prepared("GET", "/api/v1/board", supervisor)] * (WARM_UP + n // 4)),
        "check_in": cpu_per_request(base, pid, check_ins),
        "check_out": cpu_per_request(base, pid, [check_out(w, tokens[w.username]) for w in visits]),
        "note": cpu_per_request(base, pid, [note(w, tokens[w.username]) for w in visits]),
        "sync_50": cpu_per_request(base, pid, sync_batches(iter(pool.take(SYNC_WARM_UP + n // 20 * 10 + 600)), tokens,
                                                           SYNC_WARM_UP + n // 20), warm=SYNC_WARM_UP),
    }
    baseline = float(figures["me"]["cpu_ms"])  # type: ignore[arg-type]
    return {"cpu_ms": {path: f["cpu_ms"] for path, f in figures.items()},
            "ratio_to_me": {path: round(float(f["cpu_ms"]) / baseline, 2) for path, f in figures.items()},  # type: ignore[arg-type]
            "requests": {path: f["requests"] for path, f in figures.items()}}


def run_database(kind: str, n: int, rate: float, duration: float) -> dict[str, object]:
    """Every measurement on one database; the scale-out ones on PostgreSQL only."""
    result: dict[str, object] = {"bench": "checkin", "database": kind, "loadavg_at_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = prepare_database(kind, workdir)
        try:
            print(f"{kind}: cloning visits", file=sys.stderr, flush=True)
            add_visits(url, 2 * n + 1200 + 3 * WRK_CHECKINS + int(rate * duration))
            work = assignments(url)
            server, port = serve(url, workdir)
            base = f"http://127.0.0.1:{port}"
            try:
                print(f"{kind}: signing in {len({w.username for w in work})} carers", file=sys.stderr, flush=True)
                tokens = asyncio.run(tokens_for(base, {w.username for w in work} | {"carer.demo", "supervisor.demo"}))
                pool = Pool(work, tokens)
                print(f"{kind}: server CPU per request", file=sys.stderr, flush=True)
                result |= per_request_figures(base, server.pid, pool, tokens, n)
                print(f"{kind}: wrk, one worker", file=sys.stderr, flush=True)
                result["wrk_me"] = under_wrk(base, server.pid, [Prepared("GET", "/api/v1/me", tokens["carer.demo"])])
                result["wrk_check_in"] = under_wrk(base, server.pid, pool.check_ins(WRK_CHECKINS)[1])
            finally:
                stop(server)
            if kind == "postgres":
                result |= scale_out(url, workdir, pool, rate, duration)
        finally:
            drop()
    return result


def scale_out(url: str, workdir: Path, pool: Pool, rate: float, duration: float) -> dict[str, object]:
    """Step 3 (PostgreSQL): check-in throughput on two workers, and check-ins offered at ``rate`` to them."""
    server, port = serve(url, workdir, workers=2)
    try:
        print("postgres: wrk, two workers", file=sys.stderr, flush=True)
        base = f"http://127.0.0.1:{port}"
        figures: dict[str, object] = {"wrk_check_in_2_workers": under_wrk(base, server.pid, pool.check_ins(WRK_CHECKINS)[1])}
        print(f"postgres: {rate:g} check-ins/s for {duration:g} s, two workers", file=sys.stderr, flush=True)
        offered = pool.check_ins(int(rate * duration))[1]
        before, started = server_cpu_s(server.pid), time.perf_counter()
        at_rate = asyncio.run(open_loop("127.0.0.1", port, offered, rate))
        at_rate["server_cpu_cores"] = round((server_cpu_s(server.pid) - before) / (time.perf_counter() - started), 2)
        figures["open_loop_2_workers"] = at_rate
    finally:
        stop(server)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--requests", type=int, default=300, help="check-ins (and other writes) measured per path")
    parser.add_argument("--rate", type=float, default=300, help="check-ins per second offered to 2 PostgreSQL workers")
    parser.add_argument("--duration", type=float, default=10)
    args = parser.parse_args()
    for kind in args.databases.split(","):
        print(json.dumps(run_database(kind.strip(), args.requests, args.rate, args.duration)), flush=True)


if __name__ == "__main__":
    main()
