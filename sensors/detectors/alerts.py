"""The alert record detectors emit and the names of the detectors."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import msgspec

from shared.enums import AlertKind, ResponseTier


class DetectorKind(StrEnum):
    """Which detector raised an alert (the ``kind`` printed by ``sensors detect``)."""

    INACTIVITY = "inactivity"
    LATE_WAKE = "late_wake"
    NIGHT_WANDERING = "night_wandering"
    FRONT_DOOR_NIGHT = "front_door_night"
    NO_KITCHEN = "no_kitchen_use"
    NIGHT_BATHROOM_TREND = "night_bathroom_trend"


class DetectorAlert(msgspec.Struct, frozen=True, kw_only=True):
    """Something in a home that needs a human, with an explanation they can act on.

    ``severity`` is the response tier: a welfare check asks the person first (and escalates
    when nobody answers), an urgent alert goes to staff on the sensor evidence alone.
    """

    home: str
    at: datetime
    kind: DetectorKind
    severity: ResponseTier
    explanation: str
    category: AlertKind = AlertKind.SENSOR_ANOMALY

    def to_line(self) -> dict[str, str]:
        """The ``sensors detect`` output shape."""
        return {"at": self.at.isoformat(), "kind": self.kind.value, "severity": self.severity.value,
                "explanation": self.explanation}


def clock(moment: datetime) -> str:
    """``09:40`` for explanations."""
    return moment.strftime("%H:%M")


def span(duration: timedelta | float) -> str:
    """A duration (timedelta or seconds) as ``2 h 05 min`` / ``45 min``."""
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
    minutes = int(round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
