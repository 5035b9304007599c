"""Benchmark of the carer app: cold start to the first rendered rota, and syncing 500 queued actions.

Seeds the small demo city into a temporary SQLite file, serves it with ``domicare serve``,
then (1) runs ``domicare mobile --screenshot`` as a fresh process (new phone data folder
each time) and times spawn -> rota rendered, against a bare Kivy window in the same run;
(2) queues 500 carer actions in a fresh outbox and times ``SyncWorker.sync_once`` (batches
of 100) against the server, then replays the same keys (all duplicates) as a baseline.
Prints one JSON object. Targets: cold start < 2 s, 500 actions < 5 s.

Run: ``.venv/bin/python bench/mobile.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BARE_KIVY = """
import os, sys
os.environ.update(KIVY_NO_ARGS="1", KIVY_LOG_MODE="PYTHON", SDL_VIDEODRIVER="offscreen", KIVY_WINDOW="sdl2")
os.environ.setdefault("KIVY_HOME", sys.argv[1])
from kivy.config import Config
Config.set("graphics", "width", "480"); Config.set("graphics", "height", "900")
from kivy.app import App
from kivy.uix.label import Label
from kivy.clock import Clock
class Bare(App):
    def build(self):
        return Label(text="Hello")
    def on_start(self):
        def done(_dt):
            self.root.export_to_png(sys.argv[2]); print("rendered", flush=True); self.stop()
        Clock.schedule_once(done, 0)
Bare().run()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = dict(os.environ, DOMICARE_DATA_DIR=str(workdir), DOMICARE_SCHEDULER="0",
               DOMICARE_SECRET_KEY=os.environ.get("DOMICARE_SECRET_KEY", "bench-secret-key-0123456789-0123456789"))
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    subprocess.run([sys.executable, "-m", "domicare", "seed", "--database-url", url], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "domicare", "serve", "--database-url", url, "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("server did not start")


def time_until_line(command: list[str], marker: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if marker in line:
            elapsed = time.perf_counter() - started
            process.wait(30)
            return elapsed
    process.wait(30)
    raise SystemExit(f"{command[:4]} never printed {marker!r}")


def cold_start(base: str, workdir: Path, runs: int) -> dict[str, float]:
    env = dict(os.environ, KIVY_HOME=str(workdir / "kivy-home"))
    (workdir / "kivy-home").mkdir(exist_ok=True)
    bare_script = workdir / "bare_kivy.py"  # Kivy's App wants a real source file
    bare_script.write_text(BARE_KIVY)
    # warm the OS file cache once (a phone's "cold start" is a new process, not a new disk)
    time_until_line([sys.executable, str(bare_script), str(workdir / "kivy-home"), str(workdir / "bare.png")], "rendered", env)
    app, bare = [], []
    for run in range(runs):
        bare.append(time_until_line([sys.executable, str(bare_script), str(workdir / "kivy-home"),
                                     str(workdir / "bare.png")], "rendered", env))
        app.append(time_until_line(
            [sys.executable, "-m", "domicare", "mobile", "--server", base, "--user", "carer.demo", "--password",
             "demo-password", "--screenshot", str(workdir / f"rota-{run}.png"), "--data-dir", str(workdir / f"phone-{run}")],
            "saved", env))
    return {"app_s": round(statistics.median(app), 3), "app_runs_s": [round(x, 3) for x in app],
            "bare_kivy_s": round(statistics.median(bare), 3),
            "ratio_app_to_bare": round(statistics.median(app) / statistics.median(bare), 2)}


def sync_500(base: str, workdir: Path, n: int = 500) -> dict[str, float]:
    from mobile.core.api_client import ApiClient
    from mobile.core.outbox import Outbox
    from mobile.core.sync_worker import SyncWorker
    from mobile.core.visit_actions import Evidence, VisitActions, VisitDraft

    client = ApiClient(base)
    client.sign_in("carer.demo", "demo-password")
    visits = [v for v in client.my_visits(time.strftime("%Y-%m-%d")) if v["status"] == "planned"]
    outbox = Outbox(workdir / "sync-phone" / "outbox.db")
    actions = VisitActions(outbox)
    queued_started = time.perf_counter()
    for visit in visits:  # a real day: check in, outcomes, check out
        where = dict(visit["client"]["location"], accuracy_m=10.0)
        actions.check_in(visit, Evidence("gps", location=where))
        draft = VisitDraft(outbox, visit)
        for task in visit.get("tasks") or []:
            draft.set_task(task["id"], "done")
        for med in visit.get("medications") or []:
            draft.set_medication(med["id"], "given")
        actions.check_out(visit, Evidence("gps", location=where), draft)
    i = 0
    while len(outbox.all()) < n:  # the rest: case notes spread over the day's visits
        actions.note(visits[i % len(visits)], f"bench note {i}")
        i += 1
    queued_s = time.perf_counter() - queued_started
    worker = SyncWorker(outbox, client, batch_size=100)
    started = time.perf_counter()
    report = worker.sync_once()
    elapsed = time.perf_counter() - started
    assert report.ok and report.remaining == 0, report
    applied, rejected = report.applied, report.rejected
    # baseline: the same 500 keys again (the server only looks them up and replays)
    wire = [a.to_wire() for a in outbox.all()]
    started = time.perf_counter()
    for k in range(0, len(wire), 100):
        results = client.sync(wire[k:k + 100])
        assert all(r["status"] == "duplicate" for r in results)
    replay = time.perf_counter() - started
    return {"actions": n, "sync_s": round(elapsed, 3), "actions_per_s": round(n / elapsed, 1), "applied": applied,
            "rejected": rejected, "batches": report.batches, "queue_500_locally_s": round(queued_s, 3),
            "replay_duplicates_s": round(replay, 3), "ratio_sync_to_replay": round(elapsed / replay, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mobile-") as tmp:
        workdir = Path(tmp)
        server, base = start_server(workdir)
        try:
            result = {"cold_start": cold_start(base, workdir, args.runs), "sync": sync_500(base, workdir)}
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(15)
    result["targets"] = {"cold_start_s": 2.0, "sync_500_s": 5.0,
                         "cold_start_ok": result["cold_start"]["app_s"] < 2.0, "sync_ok": result["sync"]["sync_s"] < 5.0}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
