"""Run a home's detectors over an event stream exactly as live: in order, online, no look-ahead."""

from __future__ import annotations

from collections.abc import Iterable

from sensors.detectors import DetectorAlert, ClientRules, HomeMonitor
from shared.sensor_events import SensorEvent


def detect(home: str, events: Iterable[SensorEvent], rules: ClientRules | None = None) -> list[DetectorAlert]:
    """Every alert the detectors raise while replaying ``events`` (time-ordered).

    The clock stops at the last event: nothing is claimed about time the recording does not cover.
    """
    monitor = HomeMonitor(home, rules)
    alerts: list[DetectorAlert] = []
    for event in events:
        alerts.extend(monitor.observe(event))
    return alerts
