"""Ruin-and-recreate search with simulated-annealing acceptance over a :class:`Plan`.

Each step removes a handful of related visits (both tasks of a double-handed visit together,
so a pair always moves as one) and reinserts them greedily at their exact cheapest places,
synchronisation included. Worse plans are accepted with a probability that cools over the
time limit, which lets the search walk between local optima.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rostering.solvers.plan import Plan
from rostering.solvers.problem import Problem

ProgressCallback = Callable[[float, Plan], None]


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """Knobs of the search; the defaults suit a day of up to a few hundred visits."""

    time_limit: float = 10.0
    seed: int = 0
    max_removed: int = 30
    start_temperature: float = 0.02  # fraction of the starting cost
    end_temperature: float = 0.0005


def construct(problem: Problem) -> Plan:
    """A first plan: visits inserted by earliest start, each at its cheapest place."""
    plan = Plan(problem)
    plan.evaluate()
    order = sorted(range(len(problem.jobs)), key=lambda j: _job_key(problem, j))
    recreate(plan, order)
    return plan


def _job_key(problem: Problem, job: int) -> tuple[float, float]:
    task = problem.tasks[problem.jobs[job].tasks[0]]
    return (task.earliest, task.latest)


def recreate(plan: Plan, jobs: list[int]) -> None:
    """Insert jobs in the given order at their cheapest places; optional jobs may stay out."""
    for job in jobs:
        insertion = plan.best_insertion(job)
        if insertion is None:
            continue
        penalty = plan.problem.jobs[job].penalty
        if penalty is not None and insertion.delta >= penalty:
            continue
        plan.apply(insertion)


class _Ruin:
    """Removal heuristics: related (space and time), string within runs, worst, random."""

    def __init__(self, problem: Problem, rng: random.Random) -> None:
        self.problem = problem
        self.rng = rng
        travel = problem.travel
        nodes = [problem.tasks[j.tasks[0]].node for j in problem.jobs]
        windows = [problem.tasks[j.tasks[0]].earliest for j in problem.jobs]
        scale = max(1.0, max(windows) - min(windows)) / max(1.0, _mean_travel(travel, nodes))
        # Relatedness mixes travel and start-window distance so neighbours are both near and concurrent.
        self.neighbours = [
            sorted(
                (other for other in range(len(nodes)) if other != job),
                key=lambda other, job=job: travel[nodes[job]][nodes[other]]
                + abs(windows[job] - windows[other]) / scale,
            )
            for job in range(len(nodes))
        ]

    def __call__(self, plan: Plan, count: int) -> list[int]:
        heuristics = (self._related, self._string, self._worst, self._random)
        return self.rng.choice(heuristics)(plan, count)

    def _assigned(self, plan: Plan) -> list[int]:
        return [j for j in range(len(self.problem.jobs)) if j not in plan.unassigned]

    def _related(self, plan: Plan, count: int) -> list[int]:
        assigned = self._assigned(plan)
        seed = self.rng.choice(assigned)
        chosen = [seed]
        # Randomised rank (Shaw): prefer close neighbours but not always the very closest.
        pool = [j for j in self.neighbours[seed] if j not in plan.unassigned]
        while len(chosen) < count and pool:
            chosen.append(pool.pop(int(len(pool) * self.rng.random() ** 4)))
        return chosen

    def _string(self, plan: Plan, count: int) -> list[int]:
        seed = self.rng.choice(self._assigned(plan))
        chosen: list[int] = []
        for job in [seed, *self.neighbours[seed]]:
            if len(chosen) >= count:
                break
            task = self.problem.jobs[job].tasks[0]
            carer = plan.carer_of[task]
            if carer < 0 or job in chosen:
                continue
            route = plan.routes[carer]
            length = self.rng.randint(1, max(1, min(len(route), count - len(chosen), 10)))
            where = route.index(task)
            first = max(0, min(where - self.rng.randint(0, length - 1), len(route) - length))
            for other in route[first : first + length]:
                other_job = self.problem.tasks[other].job
                if other_job not in chosen:
                    chosen.append(other_job)
        return chosen[:count]

    def _worst(self, plan: Plan, count: int) -> list[int]:
        scores = []
        for job in self._assigned(plan):
            score = 0.0
            for task in self.problem.jobs[job].tasks:
                score += plan._detour(task, plan.carer_of[task]) + 2 * plan.tardiness(task)
            scores.append((score * (0.5 + self.rng.random()), job))
        scores.sort(reverse=True)
        return [job for _, job in scores[:count]]

    def _random(self, plan: Plan, count: int) -> list[int]:
        assigned = self._assigned(plan)
        return self.rng.sample(assigned, min(count, len(assigned)))


def _mean_travel(travel: Sequence[Sequence[float]], nodes: list[int]) -> float:
    sample = nodes[:50]
    values = [travel[a][b] for a in sample for b in sample if a != b]
    return sum(values) / len(values) if values else 1.0


def improve(
    plan: Plan,
    options: SearchOptions,
    deadline: float | None = None,
    on_improve: ProgressCallback | None = None,
) -> Plan:
    """Improve a plan until the deadline (monotonic clock); returns the best plan found."""
    problem = plan.problem
    rng = random.Random(options.seed)
    began = time.monotonic()
    deadline = deadline if deadline is not None else began + options.time_limit
    best, current = plan.copy(), plan
    if len(problem.jobs) < 2 or deadline <= began:
        return best
    ruin = _Ruin(problem, rng)
    t0 = options.start_temperature * max(plan.cost, 1e-9)
    t1 = options.end_temperature * max(plan.cost, 1e-9)
    most = max(2, min(options.max_removed, len(problem.jobs) // 3))
    order_keys: tuple[Callable[[int], float], ...] = (
        lambda j: rng.random(),
        lambda j: problem.tasks[problem.jobs[j].tasks[0]].earliest,
        lambda j: problem.tasks[problem.jobs[j].tasks[0]].latest,
        lambda j: -len(problem.jobs[j].tasks) - rng.random(),  # double-handed first: hardest to place
    )
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        progress = (now - began) / max(deadline - began, 1e-9)
        temperature = t0 * (t1 / t0) ** progress
        candidate = current.copy()
        removed = ruin(candidate, rng.randint(2, most))
        for job in removed:
            candidate.remove_job(job)
        candidate.evaluate()
        removed.sort(key=rng.choice(order_keys))
        recreate(candidate, removed)
        if candidate.cost < current.cost + temperature * -math.log(max(rng.random(), 1e-300)):
            current = candidate
            if candidate.cost < best.cost - 1e-9:
                best = candidate.copy()
                if on_improve is not None:
                    on_improve(time.monotonic() - began, best)
    return best
