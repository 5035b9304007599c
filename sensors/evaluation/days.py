"""A recording cut into care days (04:00 to 04:00), and new recordings laid from those days.

Leave-one-day-out and re-sampled weeks both need the days of one home in another
order. Days are cut where the person is normally asleep, and laid end to end only where
the seams agree on whether the person is at home, so a stitched stream never shows a
home that is silent for days while someone is in it (or a return nobody left for).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

import msgspec

from sensors.adapters.replay.activations import Activity
from sensors.adapters.replay.recording import Recording
from sensors.detectors.daytime import ONE_DAY, day_start_at
from sensors.detectors.roles import SensorRole, classify, is_activity
from shared.sensor_events import SensorEvent

DAY_START = 4 * 60


class CareDay(msgspec.Struct, frozen=True):
    """One care day of a recording, with whether the person was home as it began and as it ended."""

    start: datetime
    events: list[SensorEvent]
    activities: list[Activity]
    home_at_start: bool
    home_at_end: bool

    @property
    def weekend(self) -> bool:
        """Whether the day is a Saturday or Sunday."""
        return self.start.weekday() >= 5

    @property
    def active(self) -> bool:
        """Whether the person was home at some point (a day with no events was spent away)."""
        return bool(self.events) and (self.home_at_start or self.home_at_end or len(self.events) > 2)


def _presence_at_day_starts(events: list[SensorEvent], starts: list[datetime]) -> list[bool]:
    """At each day start: home unless the last activity before it was the front door."""
    roles: dict[str, SensorRole] = {}
    values: dict[str, float] = {}
    last_role: SensorRole | None = None
    result: list[bool] = []
    index = 0
    for start in starts:
        while index < len(events) and events[index].time < start:
            event = events[index]
            role = roles.setdefault(event.sensor, classify(event))
            if role is not SensorRole.IGNORED and is_activity(event, values.get(event.sensor)):
                last_role = role
            values[event.sensor] = event.value
            index += 1
        result.append(last_role is not SensorRole.FRONT_DOOR)
    return result


def split_days(recording: Recording) -> list[CareDay]:
    """The recording's care days in order, events and labels clipped to each."""
    events = recording.events
    first = day_start_at(events[0].time, DAY_START)
    count = (events[-1].time - first) // ONE_DAY + 1
    starts = [first + offset * ONE_DAY for offset in range(count + 1)]
    presence = _presence_at_day_starts(events, starts)
    days: list[CareDay] = []
    cursor = 0
    for number in range(count):
        start, end = starts[number], starts[number + 1]
        chunk = []
        while cursor < len(events) and events[cursor].time < end:
            chunk.append(events[cursor])
            cursor += 1
        labels = [Activity(max(a.start, start), min(a.end, end), a.name) for a in recording.activities
                  if a.start < end and a.end > start]
        days.append(CareDay(start, chunk, labels, presence[number], presence[number + 1]))
    return days


def stitch(days: Sequence[CareDay], first: datetime, home: str) -> Recording:
    """Lay ``days`` end to end from the day start ``first``, shifting events and labels with them."""
    events: list[SensorEvent] = []
    activities: list[Activity] = []
    for number, day in enumerate(days):
        shift = first + number * ONE_DAY - day.start
        events.extend(msgspec.structs.replace(event, time=event.time + shift) for event in day.events)
        activities.extend(Activity(a.start + shift, a.end + shift, a.name) for a in day.activities)
    return Recording(home, events, activities)


def fits_after(previous: CareDay | None, day: CareDay) -> bool:
    """Whether ``day`` may follow ``previous``: the person is home at the seam on both sides, or away on both."""
    return previous is None or previous.home_at_end == day.home_at_start


def whole_days(days: Sequence[CareDay]) -> list[CareDay]:
    """The days the recording covers from start to end (its first and last are cut by its own bounds)."""
    return list(days[1:-1])


def resample(days: Sequence[CareDay], length: int, first: datetime, rng: random.Random) -> list[CareDay]:
    """``length`` days drawn with replacement from ``days`` (whole days only): each of the weekday or
    weekend kind of its new date, and agreeing with the day before on presence (a Markov chain on
    home/away, so absences keep their shape)."""
    chosen: list[CareDay] = []
    for number in range(length):
        weekend = (first + number * ONE_DAY).weekday() >= 5
        previous = chosen[-1] if chosen else None
        fitting = [day for day in days if fits_after(previous, day) and (previous is not None or day.home_at_start)]
        same_kind = [day for day in fitting if day.weekend == weekend]
        pool = same_kind or fitting or list(days)
        chosen.append(rng.choice(pool))
    return chosen
