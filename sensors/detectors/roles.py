"""What an event says about the person: which part of the home, and whether it is activity."""

from __future__ import annotations

from enum import IntEnum

from sensors import rooms
from shared.enums import SensorKind
from shared.sensor_events import NOT_ACTIVITY_KINDS, SensorEvent


class SensorRole(IntEnum):
    """The part a sensor plays in the detectors' picture of the day."""

    IGNORED = 0
    FRONT_DOOR = 1
    BED = 2
    SEAT = 3
    BEDROOM = 4
    BATHROOM = 5
    KITCHEN = 6
    DAY_ROOM = 7


_FRONT_DOOR_WORDS = ("front", "main", "entrance", "maindoor")


def classify(event: SensorEvent) -> SensorRole:
    """The role of the sensor that produced ``event``."""
    if event.kind in NOT_ACTIVITY_KINDS:
        return SensorRole.IGNORED
    name = event.sensor.lower()
    if event.kind is SensorKind.CONTACT and (event.room == rooms.ENTRANCE and "door" in name
                                              or any(word in name for word in _FRONT_DOOR_WORDS)):
        return SensorRole.FRONT_DOOR
    if event.kind is SensorKind.PRESSURE:
        return SensorRole.BED if event.room == rooms.BEDROOM or "bed" in name else SensorRole.SEAT
    if event.room == rooms.BEDROOM:
        return SensorRole.BEDROOM
    if event.room in (rooms.BATHROOM, rooms.TOILET):
        return SensorRole.BATHROOM
    if event.room == rooms.KITCHEN:
        return SensorRole.KITCHEN
    return SensorRole.DAY_ROOM


def is_activity(event: SensorEvent, previous_value: float | None) -> bool:
    """Whether the event shows the person acting now.

    A motion sensor's off-edge and an appliance switching itself off are timeouts,
    not movement; doors, pressure pads and flushes move only when someone moves them.
    """
    if event.kind is SensorKind.MOTION:
        return event.value > 0
    if event.kind is SensorKind.POWER:
        return event.value > 0 and not (previous_value or 0) > 0
    return True
