"""The rostering search: a :class:`Problem` packed into arrays, solved by the compiled kernels.

Construction inserts every visit at its exact cheapest place (earliest window first); then
ruin and recreate with simulated-annealing acceptance runs in compiled chunks until the
deadline. Between chunks Python checks the clock and reports improvements, so the search is
anytime: whatever the limit, it answers with the best schedule found, never nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rostering.solvers import kernels
from rostering.solvers.problem import Problem

# Cost of leaving out a job that must be served: dominates any real objective, so a schedule
# missing one (an insertion that found no deadlock-free place) is never preferred.
UNSERVED_PENALTY = 1e12
CHUNK_SECONDS = 0.25  # compiled work between clock checks
START_TEMPERATURE = 0.02  # fraction of the best cost so far (penalties for required jobs aside)
END_TEMPERATURE = 0.0005
MAX_REMOVED = 30
BLINK = 0.01  # chance of skipping an insertion option (diversity, as in SISR)

ProgressCallback = Callable[[float, "Schedule"], None]


@dataclass(slots=True)
class Schedule:
    """Carer runs (task indices in order), start times and objective terms of a solved problem."""

    problem: Problem
    routes: list[list[int]]
    start: list[float]
    carer_of: list[int]
    unassigned: set[int]
    travel_total: float
    tardiness_total: float
    tardiness_max: float
    overtime_total: float
    assignment_total: float
    penalty_total: float
    ends: list[float] = field(default_factory=list)

    @property
    def cost(self) -> float:
        """Weighted objective, including penalties for jobs left out."""
        w = self.problem.weights
        return float(
            w[0] * self.travel_total
            + w[1] * self.tardiness_total
            + w[2] * self.tardiness_max
            + w[3] * self.overtime_total
            + self.assignment_total
            + self.penalty_total
        )

    @property
    def complete(self) -> bool:
        """True when every job that must be served is in a run."""
        return all(np.isfinite(self.problem.job_penalty[j]) for j in self.unassigned)

    def tardiness(self, task: int) -> float:
        """How far the task starts past its latest start."""
        return max(0.0, self.start[task] - float(self.problem.task_latest[task]))

    def route_end(self, carer: int) -> float:
        """When the carer is back at the end of their shift location."""
        return self.ends[carer]


# Places in pack()'s data tuple, and in a timed state, that code outside the kernels reads or rewrites
# (the kernels' module docstring lists every place).
DURATION, CARER_START, SHIFT_END = 1, 10, 13
TASK_START = 4


def pack(problem: Problem) -> tuple:  # type: ignore[type-arg]
    """The problem as the data tuple the kernels read (see :mod:`rostering.solvers.kernels`)."""
    n, jobs, k = problem.tasks, problem.jobs, problem.carers
    partner = np.full(n, -1, dtype=np.int64)
    offset = np.zeros(n)
    for j in range(jobs):
        first, second = problem.job_tasks[j]
        if second >= 0:
            partner[first], partner[second] = second, first
            if problem.job_sequential[j]:
                # On the grid, rounded inwards, so gap checks hold exactly in floating point.
                offset[first], offset[second] = kernels.snap(problem.job_gap[j, 0]), kernels.snap(-problem.job_gap[j, 1])
    travel = problem.travel
    return (
        problem.task_job.copy(),  # a visit's node is its index
        problem.task_duration,
        np.array([kernels.snap(e) for e in problem.task_earliest], dtype=float),
        problem.task_latest,
        partner,
        offset,
        problem.eligible,
        problem.assignment,
        problem.job_tasks,
        np.where(np.isfinite(problem.job_penalty), problem.job_penalty, UNSERVED_PENALTY),
        problem.carer_start,
        np.arange(jobs, jobs + k, dtype=np.int64),
        np.arange(jobs + k, jobs + 2 * k, dtype=np.int64),
        problem.carer_end - problem.carer_reserve,
        travel,
        problem.weights,
        _neighbours(problem, travel[0]),
        problem.task_job,
        problem.carer_profile,
    )


def _neighbours(problem: Problem, travel: np.ndarray) -> np.ndarray:
    """Jobs ordered by relatedness to each job: near in travel and in start window."""
    nodes = np.arange(problem.jobs, dtype=np.int64)
    windows = problem.task_earliest[problem.job_tasks[:, 0]]
    near = travel[np.ix_(nodes, nodes)]
    sample = near[:50, :50]
    mean = float(sample[sample > 0].mean()) if (sample > 0).any() else 1.0
    scale = max(1.0, float(windows.max() - windows.min()) if len(windows) else 1.0) / max(mean, 1e-9)
    related = near + np.abs(windows[:, None] - windows[None, :]) / scale
    np.fill_diagonal(related, np.inf)
    order = np.argsort(related, axis=1, kind="stable")[:, : max(0, len(nodes) - 1)]
    return np.ascontiguousarray(order, dtype=np.int64)


def _empty_state(problem: Problem) -> tuple:  # type: ignore[type-arg]
    n, k = problem.tasks, problem.carers
    return (
        np.full((k, n + 1), -1, dtype=np.int64),
        np.zeros(k, dtype=np.int64),
        np.full(n, -1, dtype=np.int64),
        np.full(n, -1, dtype=np.int64),
        np.zeros(n),
    )


def _work(problem: Problem) -> tuple[tuple, tuple]:  # type: ignore[type-arg]
    n = problem.tasks
    options = n + problem.carers + 1
    work = (np.zeros(n), np.zeros(n, dtype=np.int64), np.zeros(1, dtype=np.int64),
            np.zeros(n, dtype=np.int64), np.zeros(16 * n + 128, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(1))
    buffers = (np.zeros(options), np.zeros(options, dtype=np.int64), np.zeros(options, dtype=np.int64),
               np.zeros(options), np.zeros(options, dtype=np.int64), np.zeros(options, dtype=np.int64))
    return work, buffers


def _read(problem: Problem, data: tuple, state: tuple) -> Schedule:  # type: ignore[type-arg]
    routes, lengths, carer, _, start = state
    kernels.schedule(data, state)
    figures = kernels.terms(data, state)
    jtasks = data[8]
    return Schedule(
        problem=problem,
        routes=[[int(t) for t in routes[k, : lengths[k]]] for k in range(len(lengths))],
        start=[float(s) for s in start],
        carer_of=[int(c) for c in carer],
        unassigned={j for j in range(problem.jobs) if carer[jtasks[j, 0]] < 0},
        travel_total=float(figures[0]),
        tardiness_total=float(figures[1]),
        tardiness_max=float(figures[2]),
        overtime_total=float(figures[3]),
        assignment_total=float(figures[4]),
        penalty_total=float(figures[5]),
        ends=[float(kernels.route_end(data, state, k)) for k in range(len(lengths))],
    )


def solve(
    problem: Problem,
    time_limit: float,
    seed: int = 0,
    on_improve: ProgressCallback | None = None,
    deadline: float | None = None,
    initial: Sequence[Sequence[int]] | None = None,
) -> Schedule:
    """Best schedule found by ``deadline`` (monotonic clock; default now + ``time_limit``).

    ``initial`` (task indices per carer, in visiting order) starts the search from known runs,
    for example patches solved apart; jobs it leaves out are inserted at their cheapest places.
    """
    began = time.monotonic()
    deadline = deadline if deadline is not None else began + time_limit
    data = pack(problem)
    current = _empty_state(problem)
    work, buffers = _work(problem)
    if initial is not None:
        _load(data, current, initial)
    placed = current[2]
    order = np.array(
        sorted((j for j in range(problem.jobs) if placed[problem.job_tasks[j, 0]] < 0), key=lambda j: _job_key(problem, j)),
        dtype=np.int64,
    )
    kernels.recreate(data, current, work, buffers, order, len(order), float(kernels.terms(data, current)[2]), 0.0)
    first = _read(problem, data, current)
    if on_improve is not None:
        on_improve(time.monotonic() - began, first)
    if problem.jobs < 3:
        return first
    best = kernels.copy_state(current)
    best_cost = first.cost
    # Temperatures are shares of the best cost so far, not of the first schedule's: a greedy
    # construction can cost several times the final answer (Udine: 3.4 times, nearly all of it
    # lateness), and temperatures keyed to it kept the search wandering for most of the limit.
    base = max(first.cost - first.penalty_total, 1e-9)
    iterations, chunk = 8, 0
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        span = max(deadline - began, 1e-9)
        p0 = (now - began) / span
        p1 = min(1.0, p0 + CHUNK_SECONDS / span)
        t0, t1 = START_TEMPERATURE * base, END_TEMPERATURE * base
        _, cost, _ = kernels.search(
            data, current, best, work, buffers, iterations,
            t0 * (t1 / t0) ** p0, t0 * (t1 / t0) ** p1, MAX_REMOVED, seed * 1_000_003 + chunk, BLINK,
        )
        chunk += 1
        took = max(time.monotonic() - now, 1e-6)
        # Aim the next chunk at CHUNK_SECONDS, never past the deadline.
        left = deadline - time.monotonic()
        iterations = max(1, int(iterations * min(4.0, min(CHUNK_SECONDS, max(left, 0.0) / 2) / took)))
        if cost < best_cost - 1e-9:
            best_cost = cost
            base = min(base, max(cost, 1e-9))  # a schedule missing a required job costs more: no effect then
            if on_improve is not None:
                on_improve(time.monotonic() - began, _read(problem, data, kernels.copy_state(best)))
    return _read(problem, data, best)


def _load(data: tuple, state: tuple, routes: Sequence[Sequence[int]]) -> None:  # type: ignore[type-arg]
    """Put known runs into an empty state; raises ValueError if their orders deadlock."""
    for carer, route in enumerate(routes):
        state[0][carer, : len(route)] = route
        state[1][carer] = len(route)
    if not kernels.schedule(data, state):
        raise ValueError("the initial runs wait on each other (a synchronisation deadlock)")


def timed_state(problem: Problem, data: tuple, routes: Sequence[Sequence[int]]) -> tuple:  # type: ignore[type-arg]
    """A state holding ``routes`` (task indices per carer) timed over ``data``; ValueError if they deadlock."""
    state = _empty_state(problem)
    _load(data, state, routes)
    return state


def read(problem: Problem, data: tuple, state: tuple) -> Schedule:  # type: ignore[type-arg]
    """The schedule a state holds, with its objective terms."""
    return _read(problem, data, state)


def _job_key(problem: Problem, job: int) -> tuple[float, float]:
    task = problem.job_tasks[job, 0]
    return (float(problem.task_earliest[task]), float(problem.task_latest[task]))


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel on a three-visit problem."""
    from rostering.model import Carer, Location, RosterOptions, Visit, same_care
    from rostering.solvers.problem import build_problem

    here = Location(0.0, 0.0)
    visits = [Visit("pair", "a", here, 0.0, 10.0, same_care(1.0, carers=2)), Visit("one", "b", here, 0.0, 10.0, same_care(1.0)),
              Visit("two", "b", here, 5.0, 10.0, same_care(1.0))]
    carers = [Carer("k0", frozenset(), 0.0, math.inf, here), Carer("k1", frozenset(), 0.0, 100.0, here)]
    nodes = len(visits) + 2 * len(carers)
    travel = [[[float(abs(a - b) % 3) for b in range(nodes)] for a in range(nodes)]]
    problem = build_problem(visits, carers, RosterOptions(unassigned_penalty=None, overtime_weight=0.0), travel, [0, 0])
    data = pack(problem)
    state = _empty_state(problem)
    work, buffers = _work(problem)
    kernels.recreate(data, state, work, buffers, np.arange(problem.jobs, dtype=np.int64), problem.jobs, 0.0, 0.0)
    kernels.search(data, state, kernels.copy_state(state), work, buffers, 1, 1.0, 0.5, MAX_REMOVED, 0, BLINK)
