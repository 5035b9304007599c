"""Trend change: rising night-time bathroom visits, a known early sign of urinary infection."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import mean, pstdev

from sensors.detectors.alerts import DetectorAlert, DetectorKind
from sensors.detectors.daytime import in_window, minute_of_day, next_clock
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules
from sensors.detectors.state import HomeState
from shared.enums import ResponseTier

_SAME_VISIT = timedelta(minutes=10)


class NightBathroomTrendDetector:
    """Counts bathroom visits per night at home; alerts when recent nights rise clearly above the ones before."""

    kind = DetectorKind.NIGHT_BATHROOM_TREND

    def __init__(self, home: str, rules: ClientRules) -> None:
        self._home, self._rules = home, rules
        self.nights: list[int] = []
        self._count = 0
        self._last_visit: datetime | None = None
        self._night_end: datetime | None = None
        self._quiet_until = 0

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """Count a visit when bathroom activity at night follows a gap."""
        rules = self._rules
        if role is SensorRole.BATHROOM and in_window(minute_of_day(moment), rules.night_start, rules.night_end):
            if self._last_visit is None or moment - self._last_visit > _SAME_VISIT:
                self._count += 1
            self._last_visit = moment
        return None

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """At each night's end, file the count (if the person was home) and compare."""
        if self._night_end is None:
            self._night_end = next_clock(now, self._rules.night_end)
            return None
        if now <= self._night_end:
            return None
        ended, self._night_end = self._night_end, next_clock(now, self._rules.night_end)
        count, self._count = self._count, 0
        if state.away:
            return None
        self.nights.append(count)
        self._quiet_until = max(0, self._quiet_until - 1)
        return self._compare(ended)

    def _compare(self, ended: datetime) -> DetectorAlert | None:
        rules = self._rules
        recent_n, base_n = rules.trend_recent_nights, rules.trend_baseline_nights
        if len(self.nights) < recent_n + base_n or self._quiet_until:
            return None
        recent = self.nights[-recent_n:]
        base = self.nights[-recent_n - base_n:-recent_n]
        rise = mean(recent) - mean(base)
        if rise < max(rules.trend_min_rise, 2 * pstdev(base)) or min(recent) <= mean(base):
            return None
        self._quiet_until = recent_n
        return DetectorAlert(home=self._home, at=ended, kind=self.kind, severity=ResponseTier.CHECK,
                     explanation=(f"night bathroom visits averaged {mean(recent):.1f} over the last {recent_n} nights "
                                  f"against {mean(base):.1f} over the {base_n} nights before; a rise like this can be "
                                  f"an early sign of a urinary infection"))
