"""Unusual inactivity, the classic silence detector (after Cuddihy et al. 2007), gated on presence.

After each sign of life the still-period model says, for this context (in bed, seated, just
up from a pad, in the bedroom, at night, up and about), this time of day and this kind of
day, how long this home usually stays still. A silence past the model's check limit asks
the person (welfare check); one past the far more conservative urgent limit alarms staff.
Silences that began at the front door are never learned: those are absences, not rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sensors.detectors.alerts import DetectorAlert, DetectorKind, clock, span
from sensors.detectors.daytime import in_window, minute_of_day
from sensors.detectors.roles import SensorRole
from sensors.detectors.rules import ClientRules
from sensors.detectors.state import BED, BEDROOM, OTHER, RISEN, SEAT, HomeState
from sensors.detectors.still_periods import StillLimits, StillPeriodModel
from shared.enums import ResponseTier

NIGHT = "night"
_CONTEXT_WORDS = {BED: "in bed", SEAT: "seated", RISEN: "just up from a bed or chair", BEDROOM: "in the bedroom",
                  OTHER: "up and about", NIGHT: "at night"}
# Below this much evidence of its own the home's figures are mostly the priors: say so.
_LITTLE_HISTORY_DAYS = 3


class InactivityDetector:
    """One welfare check, then at most one urgent alarm, per silence while the person is home."""

    kind = DetectorKind.INACTIVITY

    def __init__(self, home: str, rules: ClientRules) -> None:
        self._home, self._rules = home, rules
        self.model = StillPeriodModel(rules)
        self._start: datetime | None = None
        self._context = OTHER
        self._sensor = ""
        self._limits: StillLimits | None = None
        self._raised: set[ResponseTier] = set()
        self._floor = timedelta(minutes=rules.still_floor_minutes)
        self._since: datetime | None = None
        self.needless_checks = 0  # checks whose silence then ended by itself: the person was fine

    def _context_of(self, moment: datetime, state: HomeState) -> str:
        context = state.context()
        rules = self._rules
        if context in (BEDROOM, OTHER) and in_window(minute_of_day(moment), rules.rest_start, rules.rest_end):
            # Without a bed sensor the last room before sleep is arbitrary (door left open, toilet last).
            return NIGHT
        return context

    def check_quantile(self, now: datetime, context: str) -> float:
        """The check quantile for this home and context now: the rules' own, tightened while checks run over budget."""
        rules = self._rules
        base = rules.still_check_quantile_on_pad if context in (BED, SEAT) else rules.still_check_quantile
        if self._since is None:
            return base
        days = (now - self._since).total_seconds() / 86400 + rules.still_budget_prior_days
        budget = rules.still_check_budget_per_day
        rate = (self.needless_checks + budget * rules.still_budget_prior_days) / days
        return 1 - (1 - base) * min(1.0, budget / rate)

    def observe(self, moment: datetime, role: SensorRole, state: HomeState) -> DetectorAlert | None:
        """Close the silence this activity ends (learning it unless it was an absence) and start a new one."""
        if self._since is None:
            self._since = moment
        if self._raised == {ResponseTier.CHECK}:
            self.needless_checks += 1
        if self._start is not None and not state.was_away:
            self.model.learn(self._context, self._start, moment)
        self._start = moment
        self._context = self._context_of(moment, state)
        self._sensor = state.last_sensor
        self._limits = None
        self._raised = set()
        return None

    def advance(self, now: datetime, state: HomeState) -> DetectorAlert | None:
        """The check, then the urgent alarm, as the silence passes each limit while the person is home."""
        start = self._start
        if start is None or state.away or len(self._raised) == 2:
            return None
        if self._limits is None:
            # No limit is below the floor, so most short silences never need the model.
            if now - start <= self._floor:
                return None
            self._limits = self.model.limits(self._context, self.model.slot(start), start.weekday() >= 5,
                                             round(self.check_quantile(now, self._context), 4))
        limits = self._limits
        for tier, seconds in ((ResponseTier.CHECK, limits.check), (ResponseTier.URGENT, limits.urgent)):
            due = start + timedelta(seconds=round(seconds))
            if tier in self._raised or due >= now:
                continue
            self._raised.add(tier)
            return DetectorAlert(home=self._home, at=due, kind=self.kind, severity=tier,
                         explanation=self._explain(tier, start, due, limits))
        return None

    def _explain(self, tier: ResponseTier, start: datetime, due: datetime, limits: StillLimits) -> str:
        where = f"last: {self._sensor}, {_CONTEXT_WORDS[self._context]}"
        evidence = (f"{limits.days:.0f} days of its own history" if limits.days >= _LITTLE_HISTORY_DAYS
                    else "little history of its own yet, so mostly what is typical of homes")
        usual = f"at this time of day this home is usually active again within {span(limits.usual)}"
        if tier is ResponseTier.CHECK:
            rarity = round(1 / max(1e-6, 1 - limits.check_quantile))
            return (f"no sign of life since {clock(start)} ({where}), {span(due - start)} so far; {usual}, "
                    f"and still this long on fewer than 1 day in {rarity} ({evidence})")
        return (f"still no sign of life since {clock(start)} ({where}) after {span(due - start)}, "
                f"far beyond this home's usual; {usual} ({evidence})")
