"""Shared machinery for "has X happened yet today?" detectors (getting up, using the kitchen).

Each care day it notes when a sensor of the watched roles first fired, keeps those times
for past days at home (with whether the day was a weekend), and at a deadline its policy
derives from them raises a finding if the person is home and nothing of the kind happened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import msgspec

from sensors.detectors.alerts import DetectorAlert, DetectorKind
from sensors.detectors.daytime import ONE_DAY, day_start_at
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules
from sensors.detectors.state import HomeState
from shared.enums import ResponseTier


class PastDay(msgspec.Struct, frozen=True):
    """One recorded day at home: minutes after day start of the first use (None: none that day)."""

    minutes: float | None
    weekend: bool


# (past days, whether today is a weekend) → deadline in minutes after day start, or None for no check today.
DeadlinePolicy = Callable[[list[PastDay], bool], float | None]
# (deadline moment, past days) → explanation.
Explainer = Callable[[datetime, list[PastDay]], str]


class FirstUseDetector:
    """A finding when the watched roles have not fired by the day's deadline."""

    def __init__(self, home: str, rules: ClientRules, kind: DetectorKind, roles: frozenset[SensorRole],
                 deadline: DeadlinePolicy, explain: Explainer, *, require_stay_home: bool,
                 quiet: timedelta | None = None) -> None:
        self.kind = kind
        self._home, self._rules, self._roles = home, rules, roles
        self._deadline, self._explain = deadline, explain
        # Kitchen use can happen elsewhere once the person went out; getting up cannot.
        self._require_stay_home = require_stay_home
        # With ``quiet`` set, activity this recent at the deadline (a trip to the toilet) shows the
        # person is stirring, so the check waits until they have been still that long.
        self._quiet = quiet
        self.history: list[PastDay] = []
        self._day_start: datetime | None = None
        self._next_day: datetime | None = None
        self._check_at: datetime | None = None
        self._first: datetime | None = None
        self._home_at_start = False
        self._went_out = False

    def _begin_day(self, start: datetime, state: HomeState) -> None:
        self._day_start, self._next_day = start, start + ONE_DAY
        self._first, self._went_out = None, False
        self._home_at_start = state.last_activity is not None and not state.away
        minutes = self._deadline(self.history, start.weekday() >= 5) if self._home_at_start else None
        self._check_at = None if minutes is None else start + timedelta(seconds=round(minutes * 60))

    def _end_day(self) -> None:
        if not self._home_at_start or (self._require_stay_home and self._went_out and self._first is None):
            return
        assert self._day_start is not None
        minutes = None if self._first is None else (self._first - self._day_start).total_seconds() / 60
        self.history.append(PastDay(minutes, self._day_start.weekday() >= 5))

    def _due(self, state: HomeState) -> datetime | None:
        """The deadline, pushed back while the person was recently active (when ``quiet`` is set)."""
        check_at = self._check_at
        if check_at is None or self._quiet is None or state.last_activity is None:
            return check_at
        return max(check_at, state.last_activity + self._quiet)

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """Roll care days and report a deadline that passed before ``now``."""
        if self._next_day is None:
            self._begin_day(day_start_at(now, self._rules.day_start), state)
        while True:
            assert self._next_day is not None
            due = self._due(state)
            if due is not None and due < now and due < self._next_day:
                self._check_at = None
                if self._first is None and not state.away and not (self._require_stay_home and self._went_out):
                    return DetectorAlert(home=self._home, at=due, kind=self.kind, severity=ResponseTier.CHECK,
                                 explanation=self._explain(due, self.history))
            elif self._next_day <= now:
                self._end_day()
                self._begin_day(self._next_day, state)
            else:
                return None

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """Note the day's first use of a watched role, and trips out of the front door."""
        if role is SensorRole.FRONT_DOOR:
            self._went_out = True
        if self._first is None and role in self._roles:
            self._first = moment
        return None
