"""The monitor's running picture of a home that every detector reads: presence and context."""

from __future__ import annotations

from datetime import datetime

from sensors.detectors.roles import SensorRole

# The inactivity context names; the still-period model learns one table per context.
BED, SEAT, RISEN, BEDROOM, OTHER = "bed", "seat", "risen", "bedroom", "other"


class HomeState:
    """Last activity, whether the person is presumed out, and which pressure pads are occupied.

    Presence comes from the front door: when the last activity was the door, the
    person has probably gone out, so silence says nothing about their wellbeing.
    """

    __slots__ = ("last_activity", "last_role", "last_sensor", "previous_activity", "previous_role", "occupied",
                 "released")

    def __init__(self) -> None:
        self.last_activity: datetime | None = None
        self.last_role = SensorRole.IGNORED
        self.last_sensor = ""
        self.previous_activity: datetime | None = None
        self.previous_role = SensorRole.IGNORED
        self.occupied: dict[str, tuple[SensorRole, str]] = {}  # pressed pads: sensor → (role, room)
        self.released = False  # the latest activity was getting off a bed or chair pad

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
        roles = [role for role, _ in self.occupied.values()]
        if SensorRole.BED in roles:
            return BED
        if SensorRole.SEAT in roles:
            return SEAT
        if self.released:
            # Getting up is normally followed by movement within minutes: its silences are their own kind.
            return RISEN
        return BEDROOM if self.last_role in (SensorRole.BEDROOM, SensorRole.BED) else OTHER

    def press(self, sensor: str, role: SensorRole, room: str, pressed: bool) -> None:
        """A bed or chair pad reported pressed or released."""
        if pressed:
            self.occupied[sensor] = (role, room)
        else:
            self.occupied.pop(sensor, None)

    def moved_to(self, room: str) -> None:
        """Someone moved in ``room``: a pad elsewhere still reading "pressed" is stuck or slow, not sat on."""
        for sensor, (_, pad_room) in list(self.occupied.items()):
            if pad_room != room:
                del self.occupied[sensor]

    def record(self, moment: datetime, role: SensorRole, sensor: str, released: bool = False) -> None:
        """Note an activity (``released``: it was a bed or chair pad let go)."""
        self.previous_activity, self.previous_role = self.last_activity, self.last_role
        self.last_activity, self.last_role, self.last_sensor = moment, role, sensor
        self.released = released
