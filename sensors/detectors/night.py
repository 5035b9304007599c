"""Night-time safety: out of bed too long (wandering) and the front door used during quiet hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from sensors.detectors.alerts import DetectorAlert, DetectorKind, clock, span
from sensors.detectors.daytime import in_window, minute_of_day, quantile
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules
from sensors.detectors.state import HomeState
from shared.enums import AlertSeverity

_IN_BED_ROLES = (SensorRole.BED, SensorRole.BEDROOM)
_ROOM_WORDS = {SensorRole.BATHROOM: "bathroom", SensorRole.KITCHEN: "kitchen", SensorRole.DAY_ROOM: "living areas",
               SensorRole.SEAT: "chair", SensorRole.FRONT_DOOR: "front door"}


class NightWanderingDetector:
    """Out of bed during quiet hours for longer than this person's night-time trips usually last.

    A night trip starts at the first activity outside the bedroom after the person
    had settled (bedroom activity then quiet) and ends at the next bedroom activity.
    """

    kind = DetectorKind.NIGHT_WANDERING

    def __init__(self, home: str, rules: ClientRules) -> None:
        self._home, self._rules = home, rules
        self._trip_start: datetime | None = None
        self._rooms: list[str] = []
        self.trips: list[float] = []  # seconds out of bed on past night trips
        self._rising = False
        self._fired = False

    def _settled(self, moment: datetime, state: HomeState) -> bool:
        """Whether the person had been resting in the bedroom and it is night."""
        rules = self._rules
        previous = state.previous_activity
        return (previous is not None and state.previous_role in _IN_BED_ROLES
                and (moment - previous).total_seconds() >= rules.asleep_after_minutes * 60
                and in_window(minute_of_day(moment), rules.night_start, rules.night_end))

    def _usual_trip(self) -> float:
        return quantile(sorted(self.trips), self._rules.night_trip_quantile) if self.trips else 0.0

    def _limit(self) -> float:
        return max(self._rules.night_excursion_minutes * 60.0, 1.5 * self._usual_trip())

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """Start, extend or end a night trip."""
        if role in _IN_BED_ROLES:
            if self._trip_start is not None:
                if not self._fired:
                    self.trips.append((moment - self._trip_start).total_seconds())
                self._trip_start, self._fired = None, False
            # Getting out of bed (bed pad released, bedroom door opened) after resting.
            self._rising = self._rising or self._settled(moment, state)
            return None
        if self._trip_start is None and (self._rising or self._settled(moment, state)):
            self._trip_start, self._rooms = moment, []
        self._rising = False
        if self._trip_start is not None:
            word = _ROOM_WORDS.get(role, "home")
            if word not in self._rooms:
                self._rooms.append(word)
        return None

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """Alert once when the trip outlasts the limit while the person is still home."""
        if self._trip_start is None or self._fired or state.away:
            return None
        limit = self._limit()
        due = self._trip_start + timedelta(seconds=limit)
        if due >= now:
            return None
        self._fired = True
        return DetectorAlert(home=self._home, at=due, kind=self.kind, severity=AlertSeverity.URGENT,
                     explanation=(f"out of bed at night since {clock(self._trip_start)} and not back after "
                                  f"{span(limit)} ({', '.join(self._rooms)}); night trips usually end within "
                                  f"{span(self._usual_trip())}"))


class FrontDoorNightDetector:
    """The front door used during quiet hours when the person was at home (leaving, or letting someone in)."""

    kind = DetectorKind.FRONT_DOOR_NIGHT
    _REPEAT_AFTER = timedelta(minutes=30)

    def __init__(self, home: str, rules: ClientRules) -> None:
        self._home, self._rules = home, rules
        self._last_alert: datetime | None = None

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """Alert at once; opening and closing within half an hour is one alert."""
        rules = self._rules
        if (role is not SensorRole.FRONT_DOOR or state.was_away
                or not in_window(minute_of_day(moment), rules.night_start, rules.night_end)):
            return None
        if self._last_alert is not None and moment - self._last_alert < self._REPEAT_AFTER:
            return None
        self._last_alert = moment
        window = f"{rules.night_start // 60:02d}:{rules.night_start % 60:02d}–{rules.night_end // 60:02d}:{rules.night_end % 60:02d}"
        return DetectorAlert(home=self._home, at=moment, kind=self.kind, severity=AlertSeverity.URGENT,
                     explanation=f"front door used at {clock(moment)} during quiet hours ({window}) while the person was at home")

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """Nothing happens with the passage of time alone."""
        return None
