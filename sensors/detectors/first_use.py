"""Shared machinery for "has X happened yet today?" detectors (getting up, using the kitchen).

Each care day it notes when a sensor of the watched roles first fired, learns the
distribution of those times over past days at home, and at a daily deadline
raises an alert if the person is home and nothing of the kind has happened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sensors.detectors.alerts import DetectorAlert, DetectorKind
from sensors.detectors.daytime import ONE_DAY, day_start_at
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules
from sensors.detectors.state import HomeState
from shared.enums import AlertSeverity

# Learned first-use times (minutes after day start) → deadline in minutes after day start, or None.
DeadlinePolicy = Callable[[list[float]], float | None]
# (deadline moment, learned first-use minutes) → explanation.
Explainer = Callable[[datetime, list[float]], str]


class FirstUseDetector:
    """Alert when the watched roles have not fired by the day's deadline."""

    def __init__(self, home: str, rules: ClientRules, kind: DetectorKind, roles: frozenset[SensorRole],
                 deadline: DeadlinePolicy, explain: Explainer, severity: AlertSeverity,
                 require_stay_home: bool) -> None:
        self.kind = kind
        self._home, self._rules, self._roles = home, rules, roles
        self._deadline, self._explain, self._severity = deadline, explain, severity
        # Kitchen use can happen elsewhere once the person went out; getting up cannot.
        self._require_stay_home = require_stay_home
        self.history: list[float] = []  # sorted first-use minutes of past recorded days
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
        minutes = self._deadline(self.history) if self._home_at_start else None
        self._check_at = None if minutes is None else start + timedelta(minutes=minutes)

    def _end_day(self) -> None:
        if not self._home_at_start or (self._require_stay_home and self._went_out and self._first is None):
            return
        if self._first is not None and self._day_start is not None:
            minutes = (self._first - self._day_start).total_seconds() / 60
        else:
            minutes = 24 * 60.0  # never happened: the latest possible time, so quantiles see it
        self.history.append(minutes)
        self.history.sort()

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """Roll care days and fire a deadline that passed before ``now``."""
        if self._next_day is None:
            self._begin_day(day_start_at(now, self._rules.day_start), state)
        alert = None
        while True:
            assert self._next_day is not None
            if self._check_at is not None and self._check_at < now and self._check_at < self._next_day:
                check_at, self._check_at = self._check_at, None
                if self._first is None and not state.away and not (self._require_stay_home and self._went_out):
                    alert = DetectorAlert(home=self._home, at=check_at, kind=self.kind, severity=self._severity,
                                  explanation=self._explain(check_at, self.history))
            elif self._next_day <= now:
                self._end_day()
                self._begin_day(self._next_day, state)
            else:
                return alert

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """Note the day's first use of a watched role, and trips out of the front door."""
        if role is SensorRole.FRONT_DOOR:
            self._went_out = True
        if self._first is None and role in self._roles:
            self._first = moment
        return None
