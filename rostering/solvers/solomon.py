"""Solomon VRPTW with PyVRP (iterated local search, C++ core), hierarchical objective: vehicles, then distance.

Three phases share the time limit (docs/rostering-engine.md has the measurements behind them):
1. a first feasible solution with the whole fleet (returned at once through ``on_improve``);
2. fleet minimisation: one vehicle fewer than the best solution, until no feasible solution is found;
3. distance minimisation with the smallest fleet found, warm-started from the best solution so far.
The answer is always the best *feasible* solution seen, so the solver is anytime.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable

import numpy as np

from rostering.formats.solomon import SolomonInstance, SolomonSolution, route_distance

# PyVRP works in integers. Distances are scaled and rounded; travel *times* round up, so any
# route PyVRP finds on time is also on time with the real Euclidean distances the validator uses.
SCALE = 10_000
FIRST_SHARE = 0.1  # at most this share of the limit on the first feasible solution
FLEET_SHARE = 0.45  # then at most this share on removing vehicles
MARGIN_SHARE = 0.02  # kept back for building the data and returning (PyVRP checks its clock between iterations)

ProgressCallback = Callable[[float, SolomonSolution], None]


def build_data(instance: SolomonInstance, vehicles: int | None = None):  # type: ignore[no-untyped-def]
    """PyVRP problem data: depot first, customers in instance order, one vehicle type."""
    import pyvrp

    customers = instance.customers
    xy = np.array([(c.x, c.y) for c in customers], dtype=float)
    real = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    distance = np.rint(real * SCALE).astype(np.int64)
    duration = np.ceil(real * SCALE).astype(np.int64)
    depot = customers[0]
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(c.x, c.y) for c in customers],
        clients=[
            pyvrp.Client(
                i,
                delivery=[c.demand],
                service_duration=round(c.service_time * SCALE),
                tw_early=round(c.earliest * SCALE),
                tw_late=round(c.latest * SCALE),
            )
            for i, c in enumerate(customers[1:], start=1)
        ],
        depots=[pyvrp.Depot(0, tw_early=round(depot.earliest * SCALE), tw_late=round(depot.latest * SCALE))],
        vehicle_types=[
            pyvrp.VehicleType(
                vehicles or instance.vehicles,
                capacity=[instance.capacity],
                tw_early=round(depot.earliest * SCALE),
                tw_late=round(depot.latest * SCALE),
            )
        ],
        distance_matrices=[distance],
        duration_matrices=[duration],
    )


def _routes(solution) -> list[list[int]]:  # type: ignore[no-untyped-def]
    """Client indices (0-based, instance order after the depot) of each non-empty route."""
    return [[a.idx for a in route if a.is_client()] for route in solution.routes() if route.num_clients()]


def solve(
    instance: SolomonInstance,
    time_limit: float,
    seed: int = 0,
    on_improve: ProgressCallback | None = None,
) -> SolomonSolution:
    """Fewest vehicles, then shortest distance, found within ``time_limit`` seconds.

    Raises ValueError when no feasible solution exists within the time (the instance's fleet is
    too small or a window cannot be met).
    """
    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.stop import FirstFeasible, MaxRuntime, MultipleCriteria

    began = time.monotonic()
    deadline = began + time_limit * (1 - MARGIN_SHARE)
    ids = [c.id for c in instance.customers[1:]]
    data = build_data(instance)
    best: list[list[int]] | None = None

    def offer(routes: list[list[int]]) -> None:
        nonlocal best
        if best is None or (len(routes), _length(instance, ids, routes)) < (len(best), _length(instance, ids, best)):
            best = routes
            if on_improve is not None:
                on_improve(time.monotonic() - began, _solution(ids, best))

    def run(problem, seconds: float, first: bool = False, start: list[list[int]] | None = None) -> None:  # type: ignore[no-untyped-def]
        stop = MultipleCriteria([FirstFeasible(), MaxRuntime(seconds)]) if first else MaxRuntime(seconds)
        initial = pyvrp.Solution(problem, start) if start is not None else None
        with warnings.catch_warnings():
            # Fleet minimisation tries fleets that may be too small on purpose: PyVRP then warns
            # that its penalties hit their bound, which here is an expected answer, not a fault.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = pyvrp.solve(problem, stop, seed=seed, collect_stats=False, display=False, initial_solution=initial)
        if result.best.is_feasible():
            offer(_routes(result.best))

    run(data, max(0.05, FIRST_SHARE * time_limit), first=True)
    fleet_deadline = began + (FIRST_SHARE + FLEET_SHARE) * time_limit
    while best is not None and len(best) > 1 and fleet_deadline - time.monotonic() > 0.2:
        # One vehicle fewer than the best so far; stop at the first feasible solution with it.
        fewer = len(best) - 1
        run(_with_fleet(data, fewer), fleet_deadline - time.monotonic(), first=True)
        if len(best) > fewer:
            break
    if best is not None and deadline - time.monotonic() > 0.1:
        run(_with_fleet(data, len(best)), deadline - time.monotonic(), start=best)
    if best is None:
        raise ValueError(f"no feasible solution found for {instance.name} within {time_limit} s")
    return _solution(ids, best)


def _with_fleet(data, vehicles: int):  # type: ignore[no-untyped-def]
    return data.replace(vehicle_types=[data.vehicle_type(0).replace(num_available=vehicles)])


def _solution(ids: list[int], routes: list[list[int]]) -> SolomonSolution:
    return SolomonSolution(tuple(tuple(ids[c] for c in route) for route in routes))


def _length(instance: SolomonInstance, ids: list[int], routes: list[list[int]]) -> float:
    return math.fsum(route_distance(instance, tuple(ids[c] for c in route)) for route in routes)
