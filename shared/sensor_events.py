"""The normalised sensor event every adapter yields and every detector consumes."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.enums import SensorKind


class SensorEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One reading from one sensor in one home, whatever protocol carried it.

    ``value`` is a number: 1/0 for binary sensors (motion seen, contact open,
    pressure on, flush, power on), a measurement otherwise.
    """

    home: str
    sensor: str
    room: str
    kind: SensorKind
    value: float
    time: datetime
    source: str
