"""A plan (carer runs with start times) and exact, incremental insertion costs.

Given the visiting order, every start time is the *earliest* one consistent with travel, hard
earliest starts and synchronisation: the least solution of a system of difference constraints.
Because every cost term grows with start times, the earliest schedule is the best one for that
order, so the search only decides orders. Inserting a visit can only push start times later, so
its cost is found by propagating pushes along runs and across synchronised partners; a push
that comes back around a cycle means the order is impossible (two carers waiting on each other).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rostering.solvers.problem import Problem

# Times are rounded up to a binary grid so sums of integer durations and gaps stay exact in
# floating point and written solutions re-check exactly (arrival >= departure + travel).
_GRID = float(2**20)

# Cost of leaving out a job that must be served: dominates any real objective, so a plan
# missing one (an insertion that found no deadlock-free place) is never accepted.
UNSERVED_PENALTY = 1e12


def snap(value: float) -> float:
    """Round a time up to the binary grid."""
    return math.ceil(value * _GRID) / _GRID


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one task goes: carer and position in that carer's run."""

    task: int
    carer: int
    position: int


@dataclass(frozen=True, slots=True)
class Insertion:
    """The best way found to insert a job, and its exact cost increase."""

    job: int
    delta: float
    placements: tuple[Placement, ...]


class Plan:
    """Carer runs, start times and objective terms for a :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        n = len(problem.tasks)
        self.routes: list[list[int]] = [[] for _ in problem.shifts]
        self.carer_of = [-1] * n
        self.start = [0.0] * n
        self.next = [-1] * n
        self.prev = [-1] * n
        self.unassigned: set[int] = set(range(len(problem.jobs)))
        self._node = [t.node for t in problem.tasks]
        self._dur = [t.duration for t in problem.tasks]
        self._earliest = [snap(t.earliest) for t in problem.tasks]
        self._latest = [t.latest for t in problem.tasks]
        self._partner = [-1] * n
        self._offset = [0.0] * n  # partner must start at >= my start + offset
        for job in problem.jobs:
            if len(job.tasks) == 2:
                first, second = job.tasks
                self._partner[first], self._partner[second] = second, first
                if job.sync == "sequential":
                    # On the grid, rounded inwards, so gap checks hold exactly in floating point.
                    self._offset[first], self._offset[second] = snap(job.gap_min), snap(-job.gap_max)
        self._push_limit = 8 * n + 64  # generous: legitimate chains revisit tasks; only cycles reach it
        self.travel_total = 0.0
        self.tardiness_total = 0.0
        self.tardiness_max = 0.0
        self.overtime_total = 0.0
        self.assignment_total = 0.0
        self.penalty_total = 0.0

    # ----------------------------------------------------------------- copying and cost
    def copy(self) -> Plan:
        """An independent copy sharing the immutable problem data."""
        other = object.__new__(Plan)
        for name, value in self.__dict__.items():
            setattr(other, name, value)
        other.routes = [list(r) for r in self.routes]
        other.carer_of = list(self.carer_of)
        other.start = list(self.start)
        other.next = list(self.next)
        other.prev = list(self.prev)
        other.unassigned = set(self.unassigned)
        return other

    @property
    def cost(self) -> float:
        """Weighted objective, including penalties for jobs left out."""
        w = self.problem.weights
        return (
            w.travel * self.travel_total
            + w.total_tardiness * self.tardiness_total
            + w.max_tardiness * self.tardiness_max
            + w.overtime * self.overtime_total
            + self.assignment_total
            + self.penalty_total
        )

    def tardiness(self, task: int) -> float:
        """How far the task starts past its latest start."""
        return max(0.0, self.start[task] - self._latest[task])

    def route_end(self, carer: int) -> float:
        """When the carer is back at the end of their shift location."""
        shift = self.problem.shifts[carer]
        route = self.routes[carer]
        if not route:
            return shift.start
        last = route[-1]
        return self.start[last] + self._dur[last] + self.problem.travel[self._node[last]][shift.end_node]

    # ----------------------------------------------------------------- full evaluation
    def evaluate(self) -> bool:
        """Recompute every start time and objective term; False if the orders deadlock."""
        travel = self.problem.travel
        start = self.start
        for carer, route in enumerate(self.routes):
            shift = self.problem.shifts[carer]
            ready, node = shift.start, shift.start_node
            previous = -1
            for task in route:
                self.carer_of[task] = carer
                self.prev[task] = previous
                if previous >= 0:
                    self.next[previous] = task
                start[task] = max(self._earliest[task], snap(ready + travel[node][self._node[task]]))
                ready, node, previous = start[task] + self._dur[task], self._node[task], task
            if previous >= 0:
                self.next[previous] = -1
        pushed: dict[int, float] = {}
        stack: list[int] = []
        for carer_route in self.routes:
            for task in carer_route:
                partner = self._partner[task]
                if partner >= 0 and self.carer_of[partner] >= 0:
                    bound = start[task] + self._offset[task]
                    if bound > pushed.get(partner, start[partner]):
                        pushed[partner] = bound
                        stack.append(partner)
        if not self._propagate(pushed, stack, {}):
            return False
        for task, value in pushed.items():
            start[task] = value
        self._recount()
        return True

    def _recount(self) -> None:
        """Objective terms from the current runs and start times."""
        problem = self.problem
        travel = problem.travel
        self.travel_total = self.tardiness_total = self.tardiness_max = 0.0
        self.overtime_total = self.assignment_total = 0.0
        for carer, route in enumerate(self.routes):
            shift = problem.shifts[carer]
            if not route:
                continue
            node = shift.start_node
            for task in route:
                self.travel_total += travel[node][self._node[task]]
                node = self._node[task]
                late = self.start[task] - self._latest[task]
                if late > 0:
                    self.tardiness_total += late
                    self.tardiness_max = max(self.tardiness_max, late)
                self.assignment_total += problem.assignment_cost.get((task, carer), 0.0)
            self.travel_total += travel[node][shift.end_node]
            self.overtime_total += max(0.0, self.route_end(carer) - shift.end)
        self.penalty_total = sum(self._penalty(j) for j in self.unassigned)

    def _penalty(self, job: int) -> float:
        penalty = self.problem.jobs[job].penalty
        return UNSERVED_PENALTY if penalty is None else penalty

    def _propagate(self, pushed: dict[int, float], stack: list[int], successor: dict[int, int]) -> bool:
        """Push start times later until every constraint holds; False on a deadlock cycle.

        ``pushed`` holds new start times (others are ``self.start``); ``successor`` overrides
        the run order for tasks being inserted.
        """
        start, nxt, partner, offset = self.start, self.next, self._partner, self._offset
        node, dur, travel, carer_of = self._node, self._dur, self.problem.travel, self.carer_of
        pops = 0
        while stack:
            task = stack.pop()
            pops += 1
            if pops > self._push_limit:
                return False
            when = pushed[task]
            follower = successor.get(task, nxt[task]) if successor else nxt[task]
            if follower >= 0:
                arrive = snap(when + dur[task] + travel[node[task]][node[follower]])
                if arrive > pushed.get(follower, start[follower]):
                    pushed[follower] = arrive
                    stack.append(follower)
            mate = partner[task]
            if mate >= 0 and (carer_of[mate] >= 0 or mate in pushed):
                bound = when + offset[task]
                if bound > pushed.get(mate, start[mate]):
                    pushed[mate] = bound
                    stack.append(mate)
        return True

    # ----------------------------------------------------------------- editing
    def remove_job(self, job: int) -> None:
        """Take a job's tasks out of their runs (start times are stale until :meth:`evaluate`)."""
        for task in self.problem.jobs[job].tasks:
            carer = self.carer_of[task]
            if carer < 0:
                continue
            route = self.routes[carer]
            route.remove(task)
            before, after = self.prev[task], self.next[task]
            if before >= 0:
                self.next[before] = after
            if after >= 0:
                self.prev[after] = before
            self.carer_of[task] = self.next[task] = self.prev[task] = -1
        self.unassigned.add(job)

    def apply(self, insertion: Insertion) -> None:
        """Insert a job as found by :meth:`best_insertion` and update times and costs."""
        pushed, successor = self._seed(insertion.placements)
        stack = list(pushed)
        if not self._propagate(pushed, stack, successor):  # pragma: no cover - checked when found
            raise RuntimeError("insertion became infeasible")
        self._commit(insertion, pushed)

    def _commit(self, insertion: Insertion, pushed: dict[int, float]) -> None:
        problem = self.problem
        affected = {p.carer for p in insertion.placements}
        affected.update(self.carer_of[t] for t in pushed if self.carer_of[t] >= 0)
        old_end = {carer: self.route_end(carer) for carer in affected}
        for task in pushed:
            if self.carer_of[task] >= 0:
                self._add_tardiness(task, -1.0)
        for placement in insertion.placements:
            self.routes[placement.carer].insert(placement.position, placement.task)
            self._relink(placement.carer)
        for task, value in pushed.items():
            self.start[task] = value
            self._add_tardiness(task, 1.0)
        for placement in insertion.placements:
            self.assignment_total += problem.assignment_cost.get((placement.task, placement.carer), 0.0)
            self.travel_total += self._detour(placement.task, placement.carer)
        for carer, end in old_end.items():
            shift = problem.shifts[carer]
            self.overtime_total += max(0.0, self.route_end(carer) - shift.end) - max(0.0, end - shift.end)
        self.unassigned.discard(insertion.job)
        self.penalty_total -= self._penalty(insertion.job)

    def _add_tardiness(self, task: int, sign: float) -> None:
        late = self.start[task] - self._latest[task]
        if late > 0:
            self.tardiness_total += sign * late
            if sign > 0:
                self.tardiness_max = max(self.tardiness_max, late)

    def _relink(self, carer: int) -> None:
        previous = -1
        for task in self.routes[carer]:
            self.carer_of[task] = carer
            self.prev[task] = previous
            if previous >= 0:
                self.next[previous] = task
            previous = task
        if previous >= 0:
            self.next[previous] = -1

    def _detour(self, task: int, carer: int) -> float:
        """Extra travel caused by ``task`` between its current neighbours in ``carer``'s run."""
        shift = self.problem.shifts[carer]
        travel = self.problem.travel
        before = self._node[self.prev[task]] if self.prev[task] >= 0 else shift.start_node
        after = self._node[self.next[task]] if self.next[task] >= 0 else shift.end_node
        here = self._node[task]
        return travel[before][here] + travel[here][after] - travel[before][after]

    def _seed(self, placements: tuple[Placement, ...]) -> tuple[dict[int, float], dict[int, int]]:
        """Start times of tasks being inserted (from their predecessors) and the run overrides."""
        pushed: dict[int, float] = {}
        successor: dict[int, int] = {}
        for placement in placements:
            route = self.routes[placement.carer]
            shift = self.problem.shifts[placement.carer]
            task = placement.task
            if placement.position > 0:
                before = route[placement.position - 1]
                ready, node = self.start[before] + self._dur[before], self._node[before]
                successor[before] = task
            else:
                ready, node = shift.start, shift.start_node
            successor[task] = route[placement.position] if placement.position < len(route) else -1
            pushed[task] = max(self._earliest[task], snap(ready + self.problem.travel[node][self._node[task]]))
        return pushed, successor

    # ----------------------------------------------------------------- insertion search
    def _options(self, task: int) -> list[tuple[float, float, int, int]]:
        """Every (lower bound, travel delta, carer, position) for one task, cheapest bound first."""
        problem = self.problem
        travel, weights = problem.travel, problem.weights
        here, earliest, latest = self._node[task], self._earliest[task], self._latest[task]
        dur, node, start = self._dur, self._node, self.start
        options: list[tuple[float, float, int, int]] = []
        for carer in problem.tasks[task].carers:
            shift = problem.shifts[carer]
            extra = problem.assignment_cost.get((task, carer), 0.0)
            ready, before = shift.start, shift.start_node
            route = self.routes[carer]
            for position in range(len(route) + 1):
                after = node[route[position]] if position < len(route) else shift.end_node
                detour = travel[before][here] + travel[here][after] - travel[before][after]
                arrive = max(earliest, snap(ready + travel[before][here]))
                late = arrive - latest
                bound = weights.travel * detour + extra
                if late > 0:
                    bound += weights.total_tardiness * late + weights.max_tardiness * max(0.0, late - self.tardiness_max)
                options.append((bound, detour, carer, position))
                if position < len(route):
                    previous = route[position]
                    ready, before = start[previous] + dur[previous], node[previous]
        options.sort()
        return options

    def _exact(self, chosen: tuple[tuple[float, float, int, int], ...], tasks: tuple[int, ...]) -> float:
        """Exact cost increase of inserting ``tasks`` at the ``chosen`` options (inf if impossible)."""
        problem = self.problem
        weights = problem.weights
        placements = tuple(Placement(t, o[2], o[3]) for t, o in zip(tasks, chosen))
        pushed, successor = self._seed(placements)
        if not self._propagate(pushed, list(pushed), successor):
            return math.inf
        latest, start, carer_of = self._latest, self.start, self.carer_of
        total_late, max_late = 0.0, self.tardiness_max
        ends: dict[int, int] = {}
        for task, value in pushed.items():
            late = value - latest[task]
            if late > 0:
                total_late += late
                if late > max_late:
                    max_late = late
            carer = carer_of[task]
            if carer >= 0:
                old = start[task] - latest[task]
                if old > 0:
                    total_late -= old
            if weights.overtime and successor.get(task, self.next[task]) < 0:
                ends[task] = carer if carer >= 0 else next(p.carer for p in placements if p.task == task)
        delta = sum(weights.travel * o[1] + problem.assignment_cost.get((t, o[2]), 0.0) for t, o in zip(tasks, chosen))
        delta += weights.total_tardiness * total_late + weights.max_tardiness * (max_late - self.tardiness_max)
        for task, carer in ends.items():
            shift = problem.shifts[carer]
            new_end = pushed[task] + self._dur[task] + problem.travel[self._node[task]][shift.end_node]
            old_end = self.route_end(carer)
            delta += weights.overtime * (max(0.0, new_end - shift.end) - max(0.0, old_end - shift.end))
        return delta

    def best_insertion(self, job: int) -> Insertion | None:
        """The cheapest feasible way to insert a job, or None if there is none."""
        tasks = self.problem.jobs[job].tasks
        if len(tasks) == 1:
            return self._best_single(job, tasks[0])
        return self._best_pair(job, tasks)

    def _best_single(self, job: int, task: int) -> Insertion | None:
        best, best_option = math.inf, None
        for option in self._options(task):
            if option[0] >= best:
                break
            delta = self._exact((option,), (task,))
            if delta < best:
                best, best_option = delta, option
        if best_option is None:
            return None
        return Insertion(job, best, (Placement(task, best_option[2], best_option[3]),))

    def _best_pair(self, job: int, tasks: tuple[int, ...]) -> Insertion | None:
        first_options, second_options = self._options(tasks[0]), self._options(tasks[1])
        if not first_options or not second_options:
            return None
        floor = second_options[0][0]
        best, best_pair = math.inf, None
        for first in first_options:
            if first[0] + floor >= best:
                break
            for second in second_options:
                if first[0] + second[0] >= best:
                    break
                if first[2] == second[2]:
                    continue  # a double-handed visit needs two different carers
                delta = self._exact((first, second), tasks)
                if delta < best:
                    best, best_pair = delta, (first, second)
        if best_pair is None:
            return None
        return Insertion(
            job, best, tuple(Placement(t, o[2], o[3]) for t, o in zip(tasks, best_pair))
        )
