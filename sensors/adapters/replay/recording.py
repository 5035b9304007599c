"""Load a recording by format name and replay its events into a sink at any speed."""

from __future__ import annotations

import time as wallclock
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path

import msgspec

from sensors.adapters.base import EventSink
from sensors.adapters.replay import kasteren, ordonez
from sensors.adapters.replay.activations import Activity, RecordingFormatError, activations_to_events
from shared.sensor_events import SensorEvent


class RecordingFormat(StrEnum):
    """File formats the replay adapter reads."""

    KASTEREN = "kasteren"
    ORDONEZ = "ordonez"


class Recording(msgspec.Struct, frozen=True):
    """A whole recording: its events in time order and any ground-truth labels."""

    home: str
    events: list[SensorEvent]
    activities: list[Activity]


def home_name(path: Path) -> str:
    """A stable home id from the recording's path (folder name or file stem)."""
    return path.name if path.is_dir() else path.stem


def load_recording(path: Path, fmt: RecordingFormat | str) -> Recording:
    """Parse a recording; raises ``RecordingFormatError`` or ``OSError`` with the file named."""
    fmt = RecordingFormat(fmt)
    if not path.exists():
        raise RecordingFormatError(f"{path}: no such file or folder")
    home = home_name(path)
    if fmt is RecordingFormat.KASTEREN:
        activations, activities = kasteren.read_activations(path), kasteren.read_activities(path)
    else:
        if path.is_dir():
            raise RecordingFormatError(f"{path}: give the Ordonez *_Sensors.txt file, not a folder")
        activations, activities = ordonez.read_activations(path), ordonez.read_activities(path)
    return Recording(home, activations_to_events(activations, home, fmt.value), activities)


class ReplayAdapter:
    """Feeds a recording's events to a sink, paced at ``speed`` times real time (0 = flat out)."""

    def __init__(self, events: Iterable[SensorEvent], source: str, speed: float = 0.0,
                 sleep: Callable[[float], None] = wallclock.sleep) -> None:
        self.source = source
        self._events = events
        self._speed = speed
        self._sleep = sleep
        self._stopped = False

    def start(self, sink: EventSink) -> None:
        """Deliver every event in order, sleeping recording-time gaps divided by the speed."""
        previous = None
        for event in self._events:
            if self._stopped:
                return
            if self._speed > 0 and previous is not None:
                gap = (event.time - previous).total_seconds() / self._speed
                if gap > 0:
                    self._sleep(gap)
            previous = event.time
            sink(event)

    def stop(self) -> None:
        """Stop after the event being delivered."""
        self._stopped = True
