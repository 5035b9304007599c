"""HHCRSP benchmark adapter: the instance's model and distances → search arrays → the model's solution."""

from __future__ import annotations

import time

from rostering.formats.hhcrsp import OPTIONS, HhcrspInstance
from rostering.model import RosterSolution
from rostering.roster import to_solution
from rostering.solvers import engine
from rostering.solvers.engine import ProgressCallback
from rostering.solvers.problem import Problem
from rostering.solvers.problem import build_problem as problem_arrays


def build_problem(instance: HhcrspInstance) -> Problem:
    """One job per patient, one task per required service, eligible carers by ability; one travel matrix."""
    return problem_arrays(instance.visits, instance.carers, OPTIONS, [instance.travel_matrix()], [0] * len(instance.carers))


def solve(
    instance: HhcrspInstance,
    time_limit: float,
    seed: int = 0,
    on_improve: ProgressCallback | None = None,
) -> RosterSolution:
    """Best solution found within ``time_limit`` seconds."""
    deadline = time.monotonic() + time_limit
    best = engine.solve(build_problem(instance), time_limit, seed, on_improve, deadline)
    return to_solution(best, instance.visits, instance.carers)
