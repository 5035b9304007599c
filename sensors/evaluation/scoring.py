"""The measure of issue 17: when a finding counts as detecting an anomaly, and what staff face a day.

A replay cannot answer a welfare check, so an anomaly counts as detected at its first
``urgent`` finding, or when its first ``check`` would have escalated (``CHECK_WAIT``
after it, the live system's default wait for "I'm OK"), whichever comes first. Only
``urgent`` findings count as false alarms: a person who is fine answers the check.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from sensors.detectors import DetectorAlert
from shared.enums import ResponseTier

CHECK_WAIT = timedelta(minutes=15)


class Detection(msgspec.Struct, frozen=True):
    """How an injected anomaly was met: first check, first urgent alert, and when it counts as detected."""

    check: DetectorAlert | None
    urgent: DetectorAlert | None
    at: datetime | None
    by: str | None


def detection(alerts: list[DetectorAlert], start: datetime, end: datetime, check_wait: timedelta = CHECK_WAIT) -> Detection:
    """The detection of an anomaly in ``[start, end)`` among a replay's findings."""
    inside = [alert for alert in alerts if start <= alert.at < end]
    check = next((alert for alert in inside if alert.severity is ResponseTier.CHECK), None)
    urgent = next((alert for alert in inside if alert.severity is ResponseTier.URGENT), None)
    candidates = []
    if check is not None and check.at + check_wait < end:
        candidates.append((check.at + check_wait, check.kind.value))
    if urgent is not None:
        candidates.append((urgent.at, urgent.kind.value))
    if not candidates:
        return Detection(check, urgent, None, None)
    at, by = min(candidates)
    return Detection(check, urgent, at, by)


def hours(delta: timedelta) -> float:
    """A duration in hours."""
    return delta.total_seconds() / 3600


def count(alerts: list[DetectorAlert], tier: ResponseTier, start: datetime | None = None, end: datetime | None = None) -> int:
    """Findings of one tier, optionally only those in ``[start, end)``."""
    return sum(1 for alert in alerts if alert.severity is tier
               and (start is None or alert.at >= start) and (end is None or alert.at < end))
