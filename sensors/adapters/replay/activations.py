"""Activation intervals (a sensor firing from start to end) and their edge events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec

from shared.enums import SensorKind
from shared.sensor_events import SensorEvent


class RecordingFormatError(ValueError):
    """A recording file that does not follow its declared format."""


class Activation(msgspec.Struct, frozen=True):
    """One period during which a sensor was on (door open, bed occupied, plug drawing power)."""

    start: datetime
    end: datetime
    sensor: str
    room: str
    kind: SensorKind


class Activity(msgspec.Struct, frozen=True):
    """A ground-truth activity label; used only to place injected anomalies, never to detect."""

    start: datetime
    end: datetime
    name: str


def activations_to_events(activations: Iterable[Activation], home: str, source: str) -> list[SensorEvent]:
    """On-edge (value 1) and off-edge (value 0) events of every activation, in time order.

    Ties keep file order with a sensor's on-edge before its off-edge, so a
    zero-length activation still reads as "fired then released".
    """
    keyed: list[tuple[datetime, int, SensorEvent]] = []
    for index, act in enumerate(activations):
        keyed.append((act.start, 2 * index, SensorEvent(
            home=home, sensor=act.sensor, room=act.room, kind=act.kind, value=1.0, time=act.start, source=source)))
        keyed.append((act.end, 2 * index + 1, SensorEvent(
            home=home, sensor=act.sensor, room=act.room, kind=act.kind, value=0.0, time=act.end, source=source)))
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [event for _, _, event in keyed]
