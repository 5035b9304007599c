"""How long a home normally stays still, per context and time of day, learned with priors.

For each context (in bed, seated, just up from a pad, in the bedroom, at night, up and
about) and each time-of-day slot, every past day contributes the longest still period
that began near that slot. Their logarithms get a normal model with a conjugate
(normal-inverse-gamma) prior, so a home with two weeks of history, or a slot it rarely
sees, leans on the context's other slots and on the rules' priors, and the posterior
predictive (a Student t) says how unusual a silence is, uncertainty included. Days of
the same type (weekday or weekend) count fully, the other type at a lower weight.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime

import msgspec

from sensors.detectors.daytime import in_window, minute_of_day
from sensors.detectors.posterior import NormalModel
from sensors.detectors.rules import ClientRules


class StillLimits(msgspec.Struct, frozen=True, kw_only=True):
    """What the model says about still periods starting in one context and slot (seconds)."""

    usual: float  # predictive median of the day's longest still period here
    usual_high: float  # predictive 90 % point: "most days within"
    check: float  # beyond this, ask the person (welfare check)
    check_quantile: float  # the predictive quantile ``check`` stands at (before the floor and cap)
    urgent: float  # beyond this, alarm staff on the sensors alone
    days: float  # weighted days of this home's own evidence behind the figures


def _weekend(day: date) -> bool:
    return day.weekday() >= 5


class StillPeriodModel:
    """Per context and slot: each past day's longest still period, and the limits they imply."""

    def __init__(self, rules: ClientRules) -> None:
        self._rules = rules
        self._count = 24 * 60 // rules.slot_minutes
        self._day_max: dict[str, list[dict[date, float]]] = {}
        self._cache: dict[tuple[str, int, bool, float], StillLimits] = {}

    def slot(self, moment: datetime) -> int:
        """Slot index of a moment."""
        return minute_of_day(moment) // self._rules.slot_minutes

    def _table(self, context: str) -> list[dict[date, float]]:
        table = self._day_max.get(context)
        if table is None:
            table = self._day_max[context] = [{} for _ in range(self._count)]
        return table

    def learn(self, context: str, start: datetime, end: datetime) -> None:
        """Record a completed at-home still period from ``start`` to ``end``."""
        seconds = (end - start).total_seconds()
        per_day = self._table(context)[self.slot(start)]
        if seconds > per_day.get(start.date(), 0.0):
            per_day[start.date()] = seconds
            # Any slot whose window reaches this one may change; the cache is cheap to rebuild.
            self._cache = {key: value for key, value in self._cache.items() if key[0] != context}

    def _prior(self, context: str, slot: int) -> NormalModel:
        rules = self._rules
        minutes = rules.still_prior_minutes[context][1 if self._resting(slot) else 0]
        return NormalModel.prior(math.log(minutes * 60.0), rules.still_prior_log_sd, rules.still_prior_days)

    def _window_maxima(self, context: str, slots: range) -> dict[date, float]:
        table = self._table(context)
        maxima: dict[date, float] = {}
        for slot in slots:
            for day, seconds in table[slot % self._count].items():
                if seconds > maxima.get(day, 0.0):
                    maxima[day] = seconds
        return maxima

    def _values(self, maxima: Iterable[tuple[date, float]], weekend: bool) -> list[tuple[float, float]]:
        """Log durations weighted by day type: the same type fully, the other at a lower weight."""
        other = self._rules.still_other_daytype_weight
        return [(math.log(max(seconds, 1.0)), 1.0 if _weekend(day) == weekend else other)
                for day, seconds in maxima]

    def limits(self, context: str, slot: int, weekend: bool, check_quantile: float) -> StillLimits:
        """Limits for a still period in ``context`` that began in ``slot`` on a weekend day or not.

        Two levels, the first the prior of the second: the context over its half of the day
        (rest hours or daytime), then the context around this slot, so a slot seen on three
        days still borrows from the others.
        """
        key = (context, slot, weekend, check_quantile)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        rules = self._rules
        pool = rules.still_pool_slots
        resting = self._resting(slot)
        half = [other for other in range(self._count) if self._resting(other) == resting]
        broad = self._prior(context, slot).update(self._values(self._blocks(context, half, 2 * pool + 1), weekend))
        local_values = self._values(self._window_maxima(context, range(slot - pool, slot + pool + 1)).items(), weekend)
        posterior = broad.weakened(rules.still_broad_days).update(local_values)

        def seconds(q: float, low: float, high: float) -> float:
            # Clamped before exp: a thin history can put a far quantile beyond any date.
            return math.exp(min(max(posterior.quantile(q), math.log(low * 60.0)), math.log(high * 60.0)))

        check = seconds(check_quantile, rules.still_floor_minutes, rules.still_check_cap_minutes)
        limits = StillLimits(
            usual=seconds(0.5, 1, rules.still_check_cap_minutes), usual_high=seconds(0.9, 1, rules.still_check_cap_minutes),
            check=check, check_quantile=check_quantile,
            urgent=max(check, seconds(rules.still_urgent_quantile, rules.still_urgent_floor_minutes,
                                      rules.still_urgent_cap_minutes)),
            days=sum(weight for _, weight in local_values))
        self._cache[key] = limits
        return limits

    def _blocks(self, context: str, slots: list[int], width: int) -> list[tuple[date, float]]:
        """Per day, the longest still period in each block of ``width`` consecutive slots."""
        table = self._table(context)
        blocks: dict[tuple[date, int], float] = {}
        for slot in slots:
            for day, seconds in table[slot].items():
                key = (day, slot // width)
                if seconds > blocks.get(key, 0.0):
                    blocks[key] = seconds
        return [(day, seconds) for (day, _), seconds in blocks.items()]

    def _resting(self, slot: int) -> bool:
        rules = self._rules
        return in_window(slot * rules.slot_minutes, rules.rest_start, rules.rest_end)
