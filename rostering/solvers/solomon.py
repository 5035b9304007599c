"""Solomon VRPTW with PyVRP (iterated local search, C++ core), hierarchical objective: vehicles, then distance.

Three phases share the time limit (docs/rostering-engine.md has the measurements behind them):
1. a first feasible solution with the whole fleet (returned at once through ``on_improve``);
2. fleet minimisation: one vehicle fewer than the best solution, until no feasible solution is found;
3. distance minimisation with the smallest fleet found, warm-started from the best solution so far.
On a machine with a second core, a second process runs the same phases with another seed and a
shorter fleet phase (more time for distance), and the better of the two answers is returned.
The answer is always the best *feasible* solution seen, so the solver is anytime.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
import warnings
from collections.abc import Callable

import numpy as np

from rostering.formats.solomon import SolomonInstance, SolomonSolution, route_distance
from shared.parent_death import exit_with_parent

# PyVRP works in integers. Distances, demands and capacity are scaled and rounded; travel *times*
# round up, so any route PyVRP finds on time is also on time with the real Euclidean distances the
# validator uses. Scaling the load as well keeps every penalised violation in the same unit.
SCALE = 10_000
FIRST_SHARE = 0.1  # at most this share of the limit on the first feasible solution
FLEET_SHARE = 0.45  # then at most this share on removing vehicles
SECOND_FLEET_SHARE = 0.2  # the second process's fleet phase: it bets on distance instead
MARGIN_SHARE = 0.02  # kept back for building the data and returning (PyVRP checks its clock between iterations)
# PyVRP 0.14 starts its penalties at the midpoint of [min, max] (50,000 per unit of violation by
# default) and moves them by 10 % every 500 solutions: on a 30 s run the time-warp penalty never
# comes down, the search never crosses infeasible space, and with a fleet as tight as 3 long routes
# it stalls (R202 +3.4 %, RC202 +6.7 %). Here time and distance share one unit, so a penalty of at
# most 100 per unit (start 50) still makes any violation dearer than the detours it could save.
MAX_PENALTY = 100.0
PENALTY_UPDATES = 50  # solutions between penalty updates: react within a second, not a minute

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
                delivery=[round(c.demand * SCALE)],
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
                capacity=[round(instance.capacity * SCALE)],
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
    workers: int | None = None,
) -> SolomonSolution:
    """Fewest vehicles, then shortest distance, found within ``time_limit`` seconds.

    ``workers`` is how many processes search (default: 2 when the machine has a second core and
    this process may start one). Raises ValueError when no feasible solution exists within the
    time (the instance's fleet is too small or a window cannot be met).
    """
    began = time.monotonic()
    deadline = began + time_limit * (1 - MARGIN_SHARE)
    ids = [c.id for c in instance.customers[1:]]
    helper = _start_helper(instance, began, time_limit, seed) if _workers(workers) > 1 else None
    try:
        best = _search(instance, began, time_limit, seed, FLEET_SHARE, on_improve)
    finally:
        other = _join_helper(helper, deadline)
    if other is not None and (best is None or _key(instance, ids, other) < _key(instance, ids, best)):
        best = other
        if on_improve is not None:
            on_improve(time.monotonic() - began, _solution(ids, best))
    if best is None:
        raise ValueError(f"no feasible solution found for {instance.name} within {time_limit} s")
    return _solution(ids, best)


def _search(
    instance: SolomonInstance,
    began: float,
    time_limit: float,
    seed: int,
    fleet_share: float,
    on_improve: ProgressCallback | None = None,
) -> list[list[int]] | None:
    """The three phases in this process; the best feasible routes (client indices), or None."""
    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.IteratedLocalSearch import IteratedLocalSearchCallbacks, IteratedLocalSearchParams
    from pyvrp.PenaltyManager import PenaltyParams
    from pyvrp.stop import FirstFeasible, MaxRuntime, MultipleCriteria

    deadline = began + time_limit * (1 - MARGIN_SHARE)
    ids = [c.id for c in instance.customers[1:]]
    data = build_data(instance)
    best: list[list[int]] | None = None

    def offer(routes: list[list[int]]) -> None:
        nonlocal best
        if best is None or _key(instance, ids, routes) < _key(instance, ids, best):
            best = routes
            if on_improve is not None:
                on_improve(time.monotonic() - began, _solution(ids, best))

    class Reporter(IteratedLocalSearchCallbacks):
        """Offers each new best solution as it is found, so the distance phase is anytime too."""

        def on_best(self, solution) -> None:  # type: ignore[no-untyped-def]
            if solution.is_feasible():
                offer(_routes(solution))

    params = pyvrp.SolveParams(
        ils=IteratedLocalSearchParams(callbacks=Reporter()),
        penalty=PenaltyParams(max_penalty=MAX_PENALTY, solutions_between_updates=PENALTY_UPDATES),
    )

    def run(problem, seconds: float, first: bool = False, start: list[list[int]] | None = None) -> None:  # type: ignore[no-untyped-def]
        stop = MultipleCriteria([FirstFeasible(), MaxRuntime(seconds)]) if first else MaxRuntime(seconds)
        initial = pyvrp.Solution(problem, start) if start is not None else None
        with warnings.catch_warnings():
            # Fleet minimisation tries fleets that may be too small on purpose: PyVRP then warns
            # that its penalties hit their bound, which here is an expected answer, not a fault.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = pyvrp.solve(
                problem, stop, seed=seed, collect_stats=False, display=False, params=params, initial_solution=initial
            )
        if result.best.is_feasible():
            offer(_routes(result.best))

    run(data, max(0.05, FIRST_SHARE * time_limit), first=True)
    fleet_deadline = began + (FIRST_SHARE + fleet_share) * time_limit
    while best is not None and len(best) > 1 and fleet_deadline - time.monotonic() > 0.2:
        # One vehicle fewer than the best so far; stop at the first feasible solution with it.
        fewer = len(best) - 1
        run(_with_fleet(data, fewer), fleet_deadline - time.monotonic(), first=True)
        if len(best) > fewer:
            break
    if best is not None and deadline - time.monotonic() > 0.1:
        run(_with_fleet(data, len(best)), deadline - time.monotonic(), start=best)
    return best


def _workers(requested: int | None) -> int:
    """Processes to search with: a daemonic process (a pool's worker) may not start another."""
    if multiprocessing.current_process().daemon:
        return 1
    if requested is not None:
        return max(1, min(2, requested))
    return 2 if (os.cpu_count() or 1) > 1 else 1


def _helper_main(instance: SolomonInstance, began: float, time_limit: float, seed: int, out,  # type: ignore[no-untyped-def]
                 parent_pid: int) -> None:
    """Body of the second process: the same phases with its own seed, routes sent back at the end."""
    exit_with_parent(parent_pid)
    try:
        out.send(_search(instance, began, time_limit, seed, SECOND_FLEET_SHARE))
    except Exception:  # noqa: BLE001 - the first process's answer stands on its own
        out.send(None)
    finally:
        out.close()


def _start_helper(instance: SolomonInstance, began: float, time_limit: float, seed: int):  # type: ignore[no-untyped-def]
    """Start the second search process (spawned: PyVRP's native state is not fork-safe).

    It shares ``began`` (the monotonic clock is system-wide), so it stops by the same deadline
    and never outlives the solve; it ends with this process however that ends (a daemon flag alone
    covers only a clean exit, not a killed solver).
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_helper_main, args=(instance, began, time_limit, seed + 7919, send, os.getpid()), daemon=True
    )
    process.start()
    send.close()
    return process, receive


def _join_helper(helper, deadline: float) -> list[list[int]] | None:  # type: ignore[no-untyped-def]
    """The second process's routes if they arrive by a moment past the deadline; it is ended either way."""
    if helper is None:
        return None
    process, receive = helper
    try:
        if receive.poll(max(0.0, deadline - time.monotonic()) + 0.5):
            return receive.recv()
        return None
    except (EOFError, OSError):
        return None
    finally:
        receive.close()
        process.join(timeout=0.5)
        if process.is_alive():
            process.terminate()
            process.join()


def _with_fleet(data, vehicles: int):  # type: ignore[no-untyped-def]
    return data.replace(vehicle_types=[data.vehicle_type(0).replace(num_available=vehicles)])


def _solution(ids: list[int], routes: list[list[int]]) -> SolomonSolution:
    return SolomonSolution(tuple(tuple(ids[c] for c in route) for route in routes))


def _length(instance: SolomonInstance, ids: list[int], routes: list[list[int]]) -> float:
    return math.fsum(route_distance(instance, tuple(ids[c] for c in route)) for route in routes)


def _key(instance: SolomonInstance, ids: list[int], routes: list[list[int]]) -> tuple[int, float]:
    """The hierarchical objective: vehicles, then distance."""
    return len(routes), _length(instance, ids, routes)
