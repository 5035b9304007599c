"""Honest anomaly injections into a copy of a recording's events.

- collapse at T: every event in [T, T+12 h) removed; an occupied chair or bed is released at T;
  only placed at daytime moments when the person is at home and up.
- late morning: the morning bed exit suppressed (every event from it for 4 h removed, so the
  bed stays occupied and nobody leaves the bedroom).
- night wandering: from a moment the person is settled in bed at night, an hour of activity
  in other rooms (never the front door), then back to the bedroom.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Callable
from datetime import datetime, timedelta

import msgspec

from sensors.adapters.replay.activations import Activity
from sensors.detectors.daytime import day_start_at
from sensors.detectors.roles import SensorRole, classify, is_activity
from sensors.detectors.wake import UP_ROLES
from shared.enums import SensorKind
from shared.sensor_events import SensorEvent

COLLAPSE_SPAN = timedelta(hours=12)
LATE_MORNING_SPAN = timedelta(hours=4)
WANDERING_SPAN = timedelta(hours=1)
_DAY_START = 4 * 60


class Injection(msgspec.Struct, frozen=True):
    """One anomaly written into a stream: its kind, onset and the window an alert must fall in."""

    kind: str
    at: datetime
    window_end: datetime


class Timeline:
    """Index over a recording for placing injections: activity times, roles, labels."""

    def __init__(self, events: list[SensorEvent], activities: list[Activity]) -> None:
        self.events = events
        self.times = [event.time for event in events]
        roles: dict[str, SensorRole] = {}
        values: dict[str, float] = {}
        self.activity: list[tuple[datetime, SensorRole]] = []
        for event in events:
            role = roles.setdefault(event.sensor, classify(event))
            if role is not SensorRole.IGNORED and is_activity(event, values.get(event.sensor)):
                self.activity.append((event.time, role))
            values[event.sensor] = event.value
        self.activity_times = [moment for moment, _ in self.activity]
        self.roles = roles
        self.away_labels = [a for a in activities if "leav" in a.name.lower()]
        self.sleep_labels = [a for a in activities if "bed" in a.name.lower() or "sleep" in a.name.lower()]

    def previous_activity(self, moment: datetime) -> tuple[datetime, SensorRole] | None:
        """Last activity strictly before ``moment``."""
        index = bisect_left(self.activity_times, moment)
        return self.activity[index - 1] if index else None

    def next_activity(self, moment: datetime) -> tuple[datetime, SensorRole] | None:
        """First activity at or after ``moment``."""
        index = bisect_left(self.activity_times, moment)
        return self.activity[index] if index < len(self.activity) else None

    def labelled(self, moment: datetime, labels: list[Activity]) -> bool:
        """Whether a ground-truth label covers ``moment``."""
        return any(label.start <= moment < label.end for label in labels)

    def at_home(self, moment: datetime) -> bool:
        """Home by the labels (when there are any) and by the sensors (last touch not the front door)."""
        previous = self.previous_activity(moment)
        return (previous is not None and previous[1] is not SensorRole.FRONT_DOOR
                and not self.labelled(moment, self.away_labels))

    def up_since_day_start(self, moment: datetime) -> bool:
        """The person was seen outside bedroom and bathroom since 04:00 and is not labelled asleep."""
        start = day_start_at(moment, _DAY_START)
        index = bisect_left(self.activity_times, start)
        end = bisect_left(self.activity_times, moment)
        return (any(role in UP_ROLES for _, role in self.activity[index:end])
                and not self.labelled(moment, self.sleep_labels))


def _without(events: list[SensorEvent], start: datetime, end: datetime) -> list[SensorEvent]:
    return [event for event in events if not start <= event.time < end]


def _occupied_at(events: list[SensorEvent], moment: datetime) -> list[SensorEvent]:
    """The last event of each pressure pad still pressed at ``moment``."""
    last: dict[str, SensorEvent] = {}
    for event in events:
        if event.time >= moment:
            break
        if event.kind is SensorKind.PRESSURE:
            last[event.sensor] = event
    return [event for event in last.values() if event.value > 0]


def _merge(events: list[SensorEvent], extra: list[SensorEvent]) -> list[SensorEvent]:
    return sorted(events + extra, key=lambda event: event.time)


def collapse(timeline: Timeline, moment: datetime) -> tuple[list[SensorEvent], Injection]:
    """Remove 12 h of events from ``moment`` and release any occupied chair or bed at it."""
    released = [msgspec.structs.replace(event, value=0.0, time=moment)
                for event in _occupied_at(timeline.events, moment)]
    kept = _without(timeline.events, moment, moment + COLLAPSE_SPAN)
    return _merge(kept, released), Injection("collapse", moment, moment + COLLAPSE_SPAN)


def morning_exit(timeline: Timeline, day_start: datetime) -> datetime | None:
    """The bed exit of a morning: the last bedroom activity before the day's first time up."""
    index = bisect_left(timeline.activity_times, day_start)
    exit_time = None
    for moment, role in timeline.activity[index:]:
        if moment >= day_start + timedelta(hours=14):
            return None
        if role in UP_ROLES:
            return exit_time or moment
        exit_time = moment if role in (SensorRole.BED, SensorRole.BEDROOM) else exit_time
    return None


def late_morning(timeline: Timeline, exit_time: datetime) -> tuple[list[SensorEvent], Injection]:
    """Suppress the morning bed exit: nothing from it for four hours."""
    kept = _without(timeline.events, exit_time, exit_time + LATE_MORNING_SPAN)
    return kept, Injection("late_morning", exit_time, exit_time + LATE_MORNING_SPAN)


def wandering(timeline: Timeline, moment: datetime, rng: random.Random) -> tuple[list[SensorEvent], Injection]:
    """An hour out of bed at night touching other rooms' sensors, then back to the bedroom."""
    templates = {event.sensor: event for event in timeline.events}
    bedroom = [e for e in templates.values() if timeline.roles[e.sensor] in (SensorRole.BED, SensorRole.BEDROOM)]
    elsewhere = [e for e in templates.values()
                 if timeline.roles[e.sensor] in (SensorRole.BATHROOM, SensorRole.KITCHEN, SensorRole.DAY_ROOM)
                 and e.kind is not SensorKind.PRESSURE]
    added: list[SensorEvent] = []

    def pulse(template: SensorEvent, at: datetime, first: float, second: float) -> None:
        # An on-edge and its off-edge a few seconds later, like a door opened and shut.
        added.append(msgspec.structs.replace(template, time=at, value=first))
        added.append(msgspec.structs.replace(template, time=at + timedelta(seconds=rng.randint(3, 30)), value=second))

    leave = bedroom[0] if bedroom else None
    back = moment + WANDERING_SPAN
    if leave is not None and leave.kind is SensorKind.PRESSURE:
        added.append(msgspec.structs.replace(leave, time=moment, value=0.0))
        added.append(msgspec.structs.replace(leave, time=back, value=1.0))
    elif leave is not None:
        pulse(leave, moment, 1.0, 0.0)
        pulse(leave, back, 1.0, 0.0)
    step = moment + timedelta(minutes=1)
    while step < back:
        pulse(rng.choice(elsewhere), step, 1.0, 0.0)
        step += timedelta(minutes=rng.uniform(3, 8))
    return _merge(list(timeline.events), added), Injection("night_wandering", moment, moment + WANDERING_SPAN)


Placer = Callable[[Timeline, random.Random, datetime, datetime], datetime | None]


def place_collapse(timeline: Timeline, rng: random.Random, earliest: datetime, latest: datetime) -> datetime | None:
    """A daytime moment (08:00–21:00) when the person is home and up."""
    moment = earliest + (latest - earliest) * rng.random()
    moment = moment.replace(microsecond=0)
    if not 8 <= moment.hour < 21:
        return None
    return moment if timeline.at_home(moment) and timeline.up_since_day_start(moment) else None


def place_late_morning(timeline: Timeline, rng: random.Random, earliest: datetime, latest: datetime) -> datetime | None:
    """The bed exit of a random morning when the person slept at home."""
    day = day_start_at(earliest + (latest - earliest) * rng.random(), _DAY_START)
    if not timeline.at_home(day):
        return None
    exit_time = morning_exit(timeline, day)
    return exit_time if exit_time is not None and timeline.at_home(exit_time) else None


def place_wandering(timeline: Timeline, rng: random.Random, earliest: datetime, latest: datetime) -> datetime | None:
    """A moment between 01:00 and 04:00 when the person has been settled in the bedroom for 30 min."""
    moment = (earliest + (latest - earliest) * rng.random()).replace(microsecond=0)
    if not 1 <= moment.hour < 4:
        return None
    previous, following = timeline.previous_activity(moment), timeline.next_activity(moment)
    if previous is None or following is None or previous[1] not in (SensorRole.BED, SensorRole.BEDROOM):
        return None
    settled = moment - previous[0] >= timedelta(minutes=30)
    clear = following[0] - moment >= WANDERING_SPAN + timedelta(minutes=10)
    return moment if settled and clear and timeline.at_home(moment) else None
