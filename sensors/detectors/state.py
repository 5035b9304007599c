"""The monitor's running picture of a home that every detector reads: presence and context."""

from __future__ import annotations

from datetime import datetime

from sensors.detectors.roles import SensorRole

# The inactivity context names; the baseline learns one threshold table per context.
BED, SEAT, BEDROOM, OTHER = "bed", "seat", "bedroom", "other"


class HomeState:
    """Last activity, whether the person is presumed out, and which pressure pads are occupied.

    Presence comes from the front door: when the last activity was the door, the
    person has probably gone out, so silence says nothing about their wellbeing.
    """

    __slots__ = ("last_activity", "last_role", "last_sensor", "previous_activity", "previous_role", "occupied")

    def __init__(self) -> None:
        self.last_activity: datetime | None = None
        self.last_role = SensorRole.IGNORED
        self.last_sensor = ""
        self.previous_activity: datetime | None = None
        self.previous_role = SensorRole.IGNORED
        self.occupied: dict[str, SensorRole] = {}

    @property
    def away(self) -> bool:
        """Presumed out: the front door was the last thing the person touched."""
        return self.last_role is SensorRole.FRONT_DOOR

    @property
    def was_away(self) -> bool:
        """Presumed out just before the latest activity (it was a return if so)."""
        return self.previous_role is SensorRole.FRONT_DOOR

    def context(self) -> str:
        """Where the person is resting, which decides how long silence is normal."""
        roles = self.occupied.values()
        if SensorRole.BED in roles:
            return BED
        if SensorRole.SEAT in roles:
            return SEAT
        return BEDROOM if self.last_role in (SensorRole.BEDROOM, SensorRole.BED) else OTHER

    def record(self, moment: datetime, role: SensorRole, sensor: str) -> None:
        """Note an activity."""
        self.previous_activity, self.previous_role = self.last_activity, self.last_role
        self.last_activity, self.last_role, self.last_sensor = moment, role, sensor
