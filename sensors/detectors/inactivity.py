"""Unusual inactivity, the classic silence detector (after Cuddihy et al. 2007), gated on presence.

After each activity the baseline asks: in this context (in bed, seated, in the bedroom,
elsewhere; everything but bed and chair counts as one "night" context during rest hours)
and at this time of day, how long did the longest silence of each past day last? A silence
beyond that maximum, pooled with neighbouring slots and times a margin, raises an alert.
Silences that began at the front door are never learned: those are absences, not rest.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sensors.detectors.alerts import DetectorAlert, DetectorKind, clock, span
from sensors.detectors.daytime import in_window, minute_of_day
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules
from sensors.detectors.state import BED, BEDROOM, OTHER, SEAT, HomeState
from shared.enums import AlertSeverity

NIGHT = "night"
_CONTEXT_WORDS = {BED: "in bed", SEAT: "seated", BEDROOM: "in the bedroom", OTHER: "up and about",
                  NIGHT: "at night"}


class SlotBaseline:
    """Per context and start slot: each past day's longest silence, and the threshold it implies."""

    def __init__(self, rules: ClientRules) -> None:
        self._rules = rules
        self._count = 24 * 60 // rules.slot_minutes
        self._pool = range(-rules.inactivity_pool_slots, rules.inactivity_pool_slots + 1)
        self._day_max: dict[str, list[dict[date, float]]] = {}
        self._cache: dict[str, list[float | None]] = {}

    def slot(self, moment: datetime) -> int:
        """Slot index of a moment."""
        return minute_of_day(moment) // self._rules.slot_minutes

    def _tables(self, context: str) -> tuple[list[dict[date, float]], list[float | None]]:
        if context not in self._day_max:
            self._day_max[context] = [{} for _ in range(self._count)]
            self._cache[context] = [None] * self._count
        return self._day_max[context], self._cache[context]

    def learn(self, context: str, start: datetime, end: datetime) -> None:
        """Record a completed at-home silence from ``start`` to ``end``."""
        seconds = (end - start).total_seconds()
        day_max, cache = self._tables(context)
        slot = self.slot(start)
        per_day = day_max[slot]
        if seconds > per_day.get(start.date(), 0.0):
            per_day[start.date()] = seconds
            for offset in self._pool:
                cache[(slot - offset) % self._count] = None

    def threshold(self, context: str, slot: int) -> float:
        """Seconds of silence after an activity in this context and slot beyond which an alert is due."""
        day_max, cache = self._tables(context)
        cached = cache[slot]
        if cached is not None:
            return cached
        rules = self._rules
        days: set[date] = set()
        longest = 0.0
        for offset in self._pool:
            per_day = day_max[(slot + offset) % self._count]
            days.update(per_day)
            longest = max(longest, max(per_day.values(), default=0.0))
        value = max(longest * rules.inactivity_factor, rules.inactivity_floor_minutes * 60.0)
        if len(days) < rules.inactivity_min_days:
            # Too little history here: fall back on a cautious prior rather than alarm on noise.
            value = max(value, rules.inactivity_prior_minutes.get(context, 4 * 60) * 60.0)
        cache[slot] = value
        return value


class InactivityDetector:
    """Raises one alert per silence that outlasts the learned threshold while the person is home."""

    kind = DetectorKind.INACTIVITY

    def __init__(self, home: str, rules: ClientRules) -> None:
        self._home, self._rules = home, rules
        self.baseline = SlotBaseline(rules)
        self._start: datetime | None = None
        self._context = OTHER
        self._sensor = ""
        self._due: datetime | None = None
        self._threshold = 0.0
        self._armed = False
        self._floor = timedelta(minutes=rules.inactivity_floor_minutes)

    def _context_of(self, moment: datetime, state: HomeState) -> str:
        context = state.context()
        rules = self._rules
        if context in (BEDROOM, OTHER) and in_window(minute_of_day(moment), rules.rest_start, rules.rest_end):
            # Without a bed sensor the last room before sleep is arbitrary (door left open, toilet last).
            return NIGHT
        return context

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """Close the silence this activity ends (learning it unless it was an absence) and start a new one."""
        if self._start is not None and not state.was_away:
            self.baseline.learn(self._context, self._start, moment)
        self._start = moment
        self._context = self._context_of(moment, state)
        self._sensor = state.last_sensor
        self._armed = True
        self._due = None
        return None

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """Alert once when the silence passes its threshold while the person is home."""
        if not self._armed or state.away:
            return None
        start = self._start
        assert start is not None
        if self._due is None:
            # No threshold is below the floor, so most short silences never need one computed.
            if now - start <= self._floor:
                return None
            self._threshold = self.baseline.threshold(self._context, self.baseline.slot(start))
            self._due = start + timedelta(seconds=self._threshold)
        if self._due >= now:
            return None
        self._armed = False
        return DetectorAlert(
            home=self._home, at=self._due, kind=self.kind, severity=AlertSeverity.URGENT,
            explanation=(f"no activity since {clock(start)} (last: {self._sensor}, "
                         f"{_CONTEXT_WORDS[self._context]}); usually active again within "
                         f"{span(self._threshold / self._rules.inactivity_factor)} at this time of day"))
