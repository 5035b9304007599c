"""One home's detectors behind one object: feed events in time order, advance the clock, get alerts."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol

from sensors.detectors.alerts import DetectorAlert, DetectorKind
from sensors.detectors.inactivity import InactivityDetector
from sensors.detectors.kitchen import kitchen_detector
from sensors.detectors.night import FrontDoorNightDetector, NightWanderingDetector
from sensors.detectors.roles import SensorRole, classify, is_activity
from sensors.detectors.rules import ClientRules
from sensors.detectors.state import HomeState
from sensors.detectors.trend import NightBathroomTrendDetector
from sensors.detectors.wake import late_wake_detector
from shared.enums import ResponseTier, SensorKind
from shared.sensor_events import NOT_ACTIVITY_KINDS, SensorEvent
from shared.timekeeping import LONDON


class Detector(Protocol):
    """What the monitor needs from each detector."""

    kind: DetectorKind

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """React to an activity (state already includes it)."""

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """Report an alert that fell due strictly before ``now``."""


class HomeMonitor:
    """All detectors of one home, learning online from that home's own past only.

    One quiet spell is one welfare check: while a check is out and the home has shown no
    sign of life since, further checks (a late wake on top of an inactivity check) are
    folded into it; urgent alerts always go through.

    Times are handled on the home's wall clock: naive datetimes (recordings) are
    taken as local already; aware ones (live traffic) are converted with ``tz`` and
    alerts come back aware in that zone.
    """

    def __init__(self, home: str, rules: ClientRules | None = None, tz: tzinfo = LONDON) -> None:
        self.home = home
        self.rules = rules or ClientRules()
        self.state = HomeState()
        self._tz = tz
        self._aware = False
        self._roles: dict[tuple[str, SensorKind], SensorRole] = {}
        self._values: dict[tuple[str, SensorKind], float] = {}
        self._clock: datetime | None = None
        self._check_out = False
        candidates: list[Detector] = [
            InactivityDetector(home, self.rules),
            late_wake_detector(home, self.rules),
            kitchen_detector(home, self.rules),
            NightWanderingDetector(home, self.rules),
            FrontDoorNightDetector(home, self.rules),
            NightBathroomTrendDetector(home, self.rules),
        ]
        self.detectors = [d for d in candidates if d.kind not in self.rules.muted]

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            return moment
        self._aware = True
        return moment.astimezone(self._tz).replace(tzinfo=None)

    def _output(self, alerts: list[DetectorAlert]) -> list[DetectorAlert]:
        if not self._aware:
            return alerts
        return [DetectorAlert(home=a.home, at=a.at.replace(tzinfo=self._tz), kind=a.kind, severity=a.severity,
                      explanation=a.explanation, category=a.category) for a in alerts]

    def advance(self, now: datetime) -> list[DetectorAlert]:
        """Let time pass without events (call every minute or so when live)."""
        return self._output(self._advance(self._local(now)))

    def _advance(self, now: datetime) -> list[DetectorAlert]:
        if self._clock is not None and now < self._clock:
            return []  # late events never rewind the clock; see observe
        self._clock = now
        state = self.state
        alerts = []
        for detector in self.detectors:
            # A detector reports one finding per call; several may have fallen due since the last.
            while (alert := detector.advance(now, state)) is not None:
                alerts.append(alert)
        if len(alerts) > 1:
            alerts.sort(key=lambda alert: alert.at)
        return self._one_check_per_spell(alerts)

    def _one_check_per_spell(self, alerts: list[DetectorAlert]) -> list[DetectorAlert]:
        kept = []
        for alert in alerts:
            if alert.severity is ResponseTier.CHECK:
                if self._check_out:
                    continue
                self._check_out = True
            kept.append(alert)
        return kept

    def observe(self, event: SensorEvent) -> list[DetectorAlert]:
        """Feed one event; returns alerts that fell due before it and any it raises."""
        moment = self._local(event.time)
        alerts = self._advance(moment)
        if event.kind in NOT_ACTIVITY_KINDS:
            # Never let a battery or temperature report fix the sensor's role: a first message with only
            # its battery would otherwise leave every later motion of that sensor ignored.
            return self._output(alerts)
        key = (event.sensor, event.kind)  # a role follows the kind too (a contact at the front door, a pad)
        role = self._roles.get(key)
        if role is None:
            role = self._roles[key] = classify(event)
        if role is SensorRole.IGNORED:
            return self._output(alerts)
        previous = self._values.get(key)
        self._values[key] = event.value
        state = self.state
        if event.kind is SensorKind.PRESSURE:
            state.press(event.sensor, role, event.room, event.value > 0)
        if not is_activity(event, previous):
            return self._output(alerts)
        if event.kind is not SensorKind.PRESSURE and role is not SensorRole.FRONT_DOOR:
            state.moved_to(event.room)
        # An event older than the clock (a late delivery) still counts as activity, at the clock.
        moment = max(moment, self._clock or moment)
        state.record(moment, role, event.sensor, released=event.kind is SensorKind.PRESSURE and event.value <= 0)
        self._check_out = False  # a sign of life ends the spell a check was about
        raised = []
        for detector in self.detectors:
            alert = detector.observe(moment, role, state)
            if alert is not None:
                raised.append(alert)
        alerts += self._one_check_per_spell(raised)
        return self._output(alerts)
