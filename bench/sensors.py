"""Sensor pipeline benchmark: replay throughput with detectors vs parsing alone, and MQTT ingest rate.

Run: ``.venv/bin/python bench/sensors.py [--recording PATH] [--repeat N] [--messages N]``; prints JSON.
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


def main(argv: list[str] | None = None) -> int:
    """Run both benchmarks and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recording", type=Path, default=DEFAULT_RECORDING)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--port", type=int, default=1883)
    args = parser.parse_args(argv)
    result = {"replay": bench_replay(args.recording, args.repeat), "mqtt": bench_mqtt(args.messages, args.port),
              "targets": {"replay_events_per_s": 100000, "mqtt_messages_per_s": 5000}}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
