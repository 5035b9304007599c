"""Night-time safety: out of bed too long (wandering) and the front door used during quiet hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from sensors.detectors.alerts import DetectorAlert, DetectorKind, clock, span
from sensors.detectors.daytime import in_window, minute_of_day, quantile
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules
from sensors.detectors.state import HomeState
from shared.enums import ResponseTier

_IN_BED_ROLES = (SensorRole.BED, SensorRole.BEDROOM)
_ROOM_WORDS = {SensorRole.BATHROOM: "bathroom", SensorRole.KITCHEN: "kitchen", SensorRole.DAY_ROOM: "living areas",
               SensorRole.SEAT: "chair", SensorRole.FRONT_DOOR: "front door"}


class NightWanderingDetector:
    """Up and about during quiet hours for longer than this person's night-time trips usually last.

    A night trip starts at the first activity outside the bedroom after the person had
    settled (quiet for a while at night) and ends at the next bedroom activity, or silently
    when nothing is seen for ``night_trip_gap_minutes`` (back to bed where no sensor sees it).
    Only activity still going on past the limit raises the check: a trip that went quiet is over.
    """

    kind = DetectorKind.NIGHT_WANDERING

    def __init__(self, home: str, rules: ClientRules) -> None:
        self._home, self._rules = home, rules
        self._trip_start: datetime | None = None
        self._last_seen: datetime | None = None
        self._rooms: list[str] = []
        self.trips: list[float] = []  # seconds out of bed on past night trips
        self._fired = False
        self._rising = False  # the person just got out of bed after resting
        self._gap = timedelta(minutes=rules.night_trip_gap_minutes)

    def _settled(self, moment: datetime, state: HomeState) -> bool:
        """Whether it is night and the person had been quiet long enough to be asleep."""
        rules = self._rules
        previous = state.previous_activity
        return (previous is not None and (moment - previous).total_seconds() >= rules.asleep_after_minutes * 60
                and in_window(minute_of_day(moment), rules.night_start, rules.night_end))

    def _usual_trip(self) -> float:
        return quantile(sorted(self.trips), self._rules.night_trip_quantile) if self.trips else 0.0

    def _limit(self) -> float:
        return max(self._rules.night_excursion_minutes * 60.0, 1.5 * self._usual_trip())

    def _end_trip(self, end: datetime) -> None:
        if self._trip_start is not None and not self._fired:
            self.trips.append((end - self._trip_start).total_seconds())
        self._trip_start, self._last_seen, self._fired = None, None, False

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """Start, extend or end a night trip; the check when activity goes on past the limit."""
        if self._last_seen is not None and moment - self._last_seen > self._gap:
            self._end_trip(self._last_seen)
        if role in _IN_BED_ROLES:
            self._end_trip(moment)
            # Getting out of bed (bed pad released, bedroom door opened) after resting.
            self._rising = self._rising or self._settled(moment, state)
            return None
        rising, self._rising = self._rising, False
        if self._trip_start is None:
            if not (rising or self._settled(moment, state)):
                return None
            self._trip_start, self._rooms = moment, []
        self._last_seen = moment
        word = _ROOM_WORDS.get(role, "home")
        if word not in self._rooms:
            self._rooms.append(word)
        limit = self._limit()
        if self._fired or state.away or (moment - self._trip_start).total_seconds() <= limit:
            return None
        self._fired = True
        return DetectorAlert(home=self._home, at=moment, kind=self.kind, severity=ResponseTier.CHECK,
                     explanation=(f"still up at {clock(moment)}: out of bed at night since {clock(self._trip_start)} "
                                  f"({', '.join(self._rooms)}); night trips usually end within "
                                  f"{span(self._usual_trip())}"))

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """Nothing is raised by time alone: a trip that went quiet is over."""
        return None


class FrontDoorNightDetector:
    """The front door used during quiet hours when the person was at home (leaving, or letting someone in)."""

    kind = DetectorKind.FRONT_DOOR_NIGHT
    _REPEAT_AFTER = timedelta(minutes=30)

    def __init__(self, home: str, rules: ClientRules) -> None:
        self._home, self._rules = home, rules
        self._last_alert: datetime | None = None

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """A check at once; opening and closing within half an hour is one finding."""
        rules = self._rules
        if (role is not SensorRole.FRONT_DOOR or state.was_away
                or not in_window(minute_of_day(moment), rules.night_start, rules.night_end)):
            return None
        if self._last_alert is not None and moment - self._last_alert < self._REPEAT_AFTER:
            return None
        self._last_alert = moment
        window = f"{rules.night_start // 60:02d}:{rules.night_start % 60:02d}–{rules.night_end // 60:02d}:{rules.night_end % 60:02d}"
        return DetectorAlert(home=self._home, at=moment, kind=self.kind, severity=ResponseTier.CHECK,
                     explanation=f"front door used at {clock(moment)} during quiet hours ({window}) while the person was at home")

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """Nothing happens with the passage of time alone."""
        return None
