"""Sensor pipeline benchmark: replay throughput with detectors vs parsing alone, MQTT ingest rate, and the
time from an SOS press published on the broker to the alarm on ``GET /api/v1/board``.

Run: ``.venv/bin/python bench/sensors.py [--recording PATH] [--repeat N] [--messages N]``; prints JSON.
``--alarms N`` measures only the alarm latency: ``domicare serve`` with its ingest worker over a freshly
seeded database (``--database sqlite|postgres``), N presses of home 1's SOS button with ``mosquitto_pub``,
each followed by polling the board every 20 ms as supervisor.demo until the alarm shows (then it is
resolved, so the next press is a new alarm). The baseline, measured in the same run, is what one board
request takes: the floor any polling client sees.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

# This script is named like the package it measures: drop its own folder from the import
# path so ``import sensors`` finds the package rather than this file.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

from sensors.adapters.replay.recording import load_recording  # noqa: E402
from sensors.adapters.zigbee2mqtt import DeviceRegistry, Zigbee2MqttIngest  # noqa: E402
from sensors.detectors import HomeMonitor  # noqa: E402
from shared.sensor_events import SensorEvent  # noqa: E402

DEFAULT_RECORDING = Path("/work/shared/data/sensors/kasteren_house_a")


def bench_replay(path: Path, repeat: int) -> dict[str, Any]:
    """Events/s for parsing alone, detectors alone, and parse + detect, on the same recording."""
    parse_seconds = detect_seconds = 0.0
    events_total = alerts = 0
    for _ in range(repeat):
        started = time.perf_counter()
        recording = load_recording(path, "kasteren")
        parsed = time.perf_counter()
        monitor = HomeMonitor(recording.home)
        for event in recording.events:
            alerts += len(monitor.observe(event))
        detect_seconds += time.perf_counter() - parsed
        parse_seconds += parsed - started
        events_total += len(recording.events)
    parse_rate = events_total / parse_seconds
    detect_rate = events_total / detect_seconds
    pipeline_rate = events_total / (parse_seconds + detect_seconds)
    return {"events": events_total, "alerts": alerts,
            "parse_only_events_per_s": round(parse_rate), "detectors_only_events_per_s": round(detect_rate),
            "pipeline_events_per_s": round(pipeline_rate),
            "pipeline_vs_parse_ratio": round(pipeline_rate / parse_rate, 3)}


def bench_mqtt(messages: int, port: int = 1883) -> dict[str, Any]:
    """Publish ``messages`` Zigbee2MQTT reports and time them until every one reached the sink."""
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    registry = DeviceRegistry()
    registry.register("hall_pir", "bench-home", "hall")
    received: list[SensorEvent] = []
    done = threading.Event()

    def sink(event: SensorEvent) -> None:
        received.append(event)
        if len(received) >= messages:
            done.set()

    ingest = Zigbee2MqttIngest(registry, port=port, prefix=prefix, client_id=f"bench-{uuid.uuid4().hex[:8]}")
    ingest.start(sink)
    deadline = time.monotonic() + 5
    while ingest.connected_count == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if ingest.connected_count == 0:
        ingest.stop()
        return {"error": f"no broker on 127.0.0.1:{port}"}
    time.sleep(0.2)  # let the SUBACK land before publishing
    payloads = "".join('{"occupancy": %s}\n' % ("true" if i % 2 else "false") for i in range(messages))
    publisher = shutil.which("mosquitto_pub")
    started = time.perf_counter()
    if publisher:
        # A C publisher keeps the measurement about our ingest, not about a Python publisher's GIL share.
        subprocess.run([publisher, "-h", "127.0.0.1", "-p", str(port), "-q", "0", "-t", f"{prefix}/hall_pir", "-l"],
                       input=payloads.encode(), check=True, timeout=120)
    else:
        import paho.mqtt.publish as publish

        publish.multiple([(f"{prefix}/hall_pir", line, 1, False) for line in payloads.splitlines()], port=port)
    completed = done.wait(timeout=120)
    elapsed = time.perf_counter() - started
    ingest.stop()
    return {"messages": messages, "received": len(received), "complete": completed, "publisher": "mosquitto_pub" if publisher else "paho",
            "seconds": round(elapsed, 3), "messages_per_s": round(len(received) / elapsed)}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _latencies(name: str, seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {f"{name}_p50_ms": round(_percentile(ms, 0.5), 1), f"{name}_p99_ms": round(_percentile(ms, 0.99), 1),
            f"{name}_max_ms": round(max(ms), 1)}


def bench_alarm_latency(presses: int, database: str, port: int = 1883) -> dict[str, Any]:
    """Publish-to-board latency of an SOS press through the real server, its ingest worker and the board API."""
    import os
    import tempfile

    import httpx

    here = Path(__file__).resolve().parent
    sys.path += [str(here.parent), str(here)]  # after the packages: this file must not shadow ``sensors``
    from checkin import free_port, prepare_database, start  # the check-in bench's server set-up, shared

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = prepare_database(database, Path(tmp))
        env = {**os.environ, "DOMICARE_DATA_DIR": tmp, "DOMICARE_SCHEDULER": "0", "DOMICARE_MQTT_INGEST": "1",
               "DOMICARE_MQTT_PORT": str(port), "DOMICARE_MQTT_PREFIX": prefix,
               "DOMICARE_MQTT_CLIENT_ID": f"bench-{uuid.uuid4().hex[:8]}"}
        http_port = free_port()
        base = f"http://127.0.0.1:{http_port}"
        server = start([sys.executable, "-m", "domicare", "serve", "--database-url", url, "--host", "127.0.0.1",
                        "--port", str(http_port), "--no-access-log"], env, f"{base}/health")
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                token = client.post("/api/v1/auth/token", data={"username": "supervisor.demo",
                                                                "password": "demo-password"}).json()["access_token"]
                client.headers["Authorization"] = f"Bearer {token}"
                time.sleep(2.0)  # the ingest worker connects and subscribes
                seen: set[int] = set()
                latencies: list[float] = []
                board_requests: list[float] = []
                for press in range(presses):
                    started = time.perf_counter()
                    subprocess.run(["mosquitto_pub", "-p", str(port), "-q", "1", "-t", f"{prefix}/home1_sos_button",
                                    "-m", json.dumps({"action": "emergency", "battery": 100 - press % 50})],
                                   check=True, timeout=10)
                    alarm = None
                    while alarm is None and time.perf_counter() - started < 30:
                        asked = time.perf_counter()
                        alerts = client.get("/api/v1/board").json()["alerts"]["items"]
                        board_requests.append(time.perf_counter() - asked)
                        alarm = next((a for a in alerts if a["kind"] == "alarm" and a["client_id"] == 1
                                      and a["state"] == "open" and a["id"] not in seen), None)
                        if alarm is None:
                            time.sleep(0.02)
                    if alarm is None:
                        return {"error": f"press {press} never reached the board"}
                    latencies.append(time.perf_counter() - started)
                    seen.add(alarm["id"])
                    client.post(f"/api/v1/alerts/{alarm['id']}/resolve")
                    time.sleep(1.1)  # the next press gets another second, so another alarm
        finally:
            server.terminate()
            server.wait(timeout=20)
            drop()
    result = {"database": database, "presses": presses, **_latencies("publish_to_board", latencies),
              **_latencies("board_request", board_requests)}
    result["p99_vs_board_request_p50"] = round(result["publish_to_board_p99_ms"] / result["board_request_p50_ms"], 1)
    result["target"] = {"publish_to_board_p99_ms_below": 2000}
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recording", type=Path, default=DEFAULT_RECORDING)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--alarms", type=int, default=0, help="measure only SOS publish-to-board latency, N presses")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args(argv)
    if args.alarms:
        print(json.dumps({"alarm_latency": bench_alarm_latency(args.alarms, args.database, args.port)}))
        return 0
    result = {"replay": bench_replay(args.recording, args.repeat), "mqtt": bench_mqtt(args.messages, args.port),
              "targets": {"replay_events_per_s": 100000, "mqtt_messages_per_s": 5000}}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
