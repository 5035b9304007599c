"""Unpaid breaks (``RosterOptions.unpaid_break``), placed after the search where they cost least.

The kernels have no task without a place of its own, so the search does not see breaks. This pass
gives each carer who is owed one (a shift longer than the rule's ``shift_over``, and visits) a
break inside the window, where the carer is neither at a visit nor travelling. Where the run has
room already it costs nothing; otherwise the carer rests before setting off or after a visit and
what follows moves later: the rest is written into the kernels' data (a later start, or a longer
stay at that visit) and the whole day re-timed, so the partners of double-handed visits move too,
and the place costing least is kept. Resting before setting off always fits (the rule owes no
break to a shift without room for it in the window), so every owed carer gets one.
"""

from __future__ import annotations

from dataclasses import dataclass

from rostering.model import BreakRule
from rostering.solvers import engine, kernels
from rostering.solvers.engine import CARER_START, DURATION, SHIFT_END, TASK_START, Schedule
from rostering.solvers.problem import Problem

_EPS = 1e-6
# Re-placements when a later carer's rest pushed an earlier carer's visit (a double-handed partner) and
# with it their break out of its window; the validator reports any break still out after them.
ROUNDS = 3
HOME = -1  # the break's place when the carer takes it before setting off


@dataclass(frozen=True, slots=True)
class WithBreaks:
    """The re-timed schedule and each owed carer's break start."""

    schedule: Schedule
    breaks: dict[int, float]


@dataclass(slots=True)
class _Day:
    """The kernels' data with rests written in (own copies of durations and shift starts), and the runs."""

    problem: Problem
    data: tuple  # type: ignore[type-arg]
    routes: list[list[int]]
    rule: BreakRule

    def timed(self) -> tuple:  # type: ignore[type-arg]
        """A kernels' state of the runs, timed with the rests written so far."""
        return engine.timed_state(self.problem, self.data, self.routes)

    def rest(self, k: int, place: int) -> float:
        """Rest written at a place: the later start, or the longer stay after visit ``place``."""
        if place == HOME:
            return float(self.data[CARER_START][k] - self.problem.carer_start[k])
        return float(self.data[DURATION][place] - self.problem.task_duration[place])

    def write(self, k: int, place: int, minutes: float) -> None:
        """Set the rest at a place (0: none)."""
        if place == HOME:
            self.data[CARER_START][k] = self.problem.carer_start[k] + minutes
        else:
            self.data[DURATION][place] = self.problem.task_duration[place] + minutes

    def free(self, state: tuple, k: int, place: int) -> float:  # type: ignore[type-arg]
        """When the carer is free at a place: the shift start, or the end of the visit."""
        if place == HOME:
            return float(self.problem.carer_start[k])
        return float(state[TASK_START][place] + self.problem.task_duration[place])

    def break_start(self, state: tuple, k: int, place: int) -> float | None:  # type: ignore[type-arg]
        """Where the break written at ``place`` starts on these times; None if it no longer fits the window."""
        free = self.free(state, k, place)
        begin = max(free, self.rule.earliest)
        end = begin + self.rule.minutes
        return begin if end <= min(self.rule.latest, free + self.rest(k, place)) + _EPS else None


def place_breaks(problem: Problem, plan: Schedule, rule: BreakRule) -> WithBreaks:
    """Give every carer who is owed a break one, at the place where it costs least."""
    # Own copies of durations and shift starts, to write rests into; the whole shift, without the
    # room the search kept free for the break.
    data = list(engine.pack(problem))
    data[DURATION], data[CARER_START] = data[DURATION].copy(), data[CARER_START].copy()
    data[SHIFT_END] = problem.carer_end
    day = _Day(problem, tuple(data), [list(route) for route in plan.routes], rule)
    long_shifts = [k for k in range(problem.carers) if rule.owed(problem.carer_start[k], problem.carer_end[k])]
    places: dict[int, int] = {}
    for _ in range(ROUNDS):
        state = day.timed()
        misplaced = [k for k in long_shifts if day.routes[k] and (k not in places or day.break_start(state, k, places[k]) is None)]
        if not misplaced:
            break
        for k in misplaced:
            if k in places:
                day.write(k, places.pop(k), 0.0)
            places[k] = _place(day, k)
    state = day.timed()
    starts = {k: day.break_start(state, k, place) for k, place in places.items()}
    return WithBreaks(engine.read(problem, day.data, state), {k: s for k, s in starts.items() if s is not None})


def _place(day: _Day, k: int) -> int:
    """Write carer ``k``'s break at its cheapest place, and return the place."""
    state = day.timed()
    best: tuple[float, int, float] | None = None
    for place in (HOME, *day.routes[k]):
        begin = max(day.free(state, k, place), day.rule.earliest)
        if begin + day.rule.minutes > day.rule.latest + _EPS:
            continue
        minutes = begin + day.rule.minutes - day.free(state, k, place)
        day.write(k, place, minutes)
        if kernels.schedule(day.data, state) and day.break_start(state, k, place) is not None:
            cost = kernels.cost_of(day.data, kernels.terms(day.data, state))
            if best is None or cost < best[0] - _EPS:
                best = (cost, place, minutes)
        day.write(k, place, 0.0)
        kernels.schedule(day.data, state)
    assert best is not None, "resting before setting off fits any shift the rule owes a break"
    day.write(k, best[1], best[2])
    return best[1]
