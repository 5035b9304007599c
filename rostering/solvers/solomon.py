"""Solomon VRPTW with OR-Tools routing, hierarchical objective: vehicles first, then distance.

Built in the OR-Tools sample steps (data → index manager → transit callback → dimensions →
search parameters → solve), then three phases share the time limit:
1. construct and improve with a fixed cost per vehicle dominating distance;
2. route minimisation: drop the shortest route and ask guided local search to fit its customers
   into one vehicle fewer (customers are optional with a large penalty); keep it if none is left out;
3. distance minimisation at the best vehicle count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from rostering.formats.solomon import SolomonInstance, SolomonSolution, route_distance

# Distances and times are scaled to integers for OR-Tools. Travel *times* round up so any route
# OR-Tools accepts also meets the windows with real Euclidean distances.
SCALE = 1000
VEHICLE_COST = 10**9  # outweighs any total distance, making vehicles the first objective
DROP_PENALTY = 10**8
GLS_LAMBDA = 0.5  # default 0.1; single 60 s runs on R101: 1668.6 with 0.5 vs 1672.7 with 0.1

ProgressCallback = Callable[[float, SolomonSolution], None]


@dataclass(frozen=True, slots=True)
class _Data:
    """Scaled integer data for the routing model."""

    distance: list[list[int]]
    travel_time: list[list[int]]
    windows: list[tuple[int, int]]
    demands: list[int]
    capacity: int


def _create_data(instance: SolomonInstance) -> _Data:
    nodes = range(len(instance.customers))
    real = [[instance.distance(a, b) for b in nodes] for a in nodes]
    service = [c.service_time for c in instance.customers]
    return _Data(
        distance=[[round(real[a][b] * SCALE) for b in nodes] for a in nodes],
        travel_time=[[math.ceil((service[a] + real[a][b]) * SCALE) for b in nodes] for a in nodes],
        windows=[(round(c.earliest * SCALE), round(c.latest * SCALE)) for c in instance.customers],
        demands=[c.demand for c in instance.customers],
        capacity=instance.capacity,
    )


def _build_model(data: _Data, vehicles: int, optional: bool, vehicle_cost: int):  # type: ignore[no-untyped-def]
    """Index manager and routing model with distance cost, time and capacity dimensions."""
    from ortools.constraint_solver import pywrapcp

    manager = pywrapcp.RoutingIndexManager(len(data.demands), vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    _add_distance_cost(routing, manager, data)
    _add_time_dimension(routing, manager, data, vehicles)
    _add_capacity_dimension(routing, manager, data)
    if optional:
        for node in range(1, len(data.demands)):
            routing.AddDisjunction([manager.NodeToIndex(node)], DROP_PENALTY)
    routing.SetFixedCostOfAllVehicles(vehicle_cost)
    return manager, routing


def _add_distance_cost(routing, manager, data: _Data) -> None:  # type: ignore[no-untyped-def]
    distance = data.distance

    def callback(from_index: int, to_index: int) -> int:
        return distance[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(callback))


def _add_time_dimension(routing, manager, data: _Data, vehicles: int) -> None:  # type: ignore[no-untyped-def]
    travel_time = data.travel_time

    def callback(from_index: int, to_index: int) -> int:
        return travel_time[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)]

    horizon = data.windows[0][1]
    routing.AddDimension(routing.RegisterTransitCallback(callback), horizon, horizon, False, "Time")
    time_dimension = routing.GetDimensionOrDie("Time")
    for node, (earliest, latest) in enumerate(data.windows):
        if node:
            time_dimension.CumulVar(manager.NodeToIndex(node)).SetRange(earliest, latest)
    for vehicle in range(vehicles):
        time_dimension.CumulVar(routing.Start(vehicle)).SetRange(*data.windows[0])
        time_dimension.CumulVar(routing.End(vehicle)).SetRange(*data.windows[0])


def _add_capacity_dimension(routing, manager, data: _Data) -> None:  # type: ignore[no-untyped-def]
    demands = data.demands

    def callback(from_index: int) -> int:
        return demands[manager.IndexToNode(from_index)]

    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitCallback(callback), 0, [data.capacity] * routing.vehicles(), True, "Capacity"
    )


def _search_parameters(seconds: float, first_solution: bool):  # type: ignore[no-untyped-def]
    from ortools.constraint_solver import routing_enums_pb2, pywrapcp

    parameters = pywrapcp.DefaultRoutingSearchParameters()
    if first_solution:
        parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    parameters.guided_local_search_lambda_coefficient = GLS_LAMBDA
    parameters.time_limit.FromMilliseconds(max(100, int(seconds * 1000)))
    return parameters


def _solve(
    data: _Data, vehicles: int, seconds: float, start: list[list[int]] | None, optional: bool = False, vehicle_cost: int = 0
) -> list[list[int]] | None:
    """Run one OR-Tools search; returns routes of node indices (customers only) or None.

    Guided local search scales its penalties with the objective, so a dominating vehicle cost
    is only used while the fleet size is still open; fixed-fleet phases minimise distance alone.
    """
    manager, routing = _build_model(data, vehicles, optional, vehicle_cost)
    parameters = _search_parameters(seconds, first_solution=start is None)
    if start is None:
        assignment = routing.SolveWithParameters(parameters)
    else:
        routing.CloseModelWithParameters(parameters)
        initial = routing.ReadAssignmentFromRoutes(start, True)
        if initial is None:
            return None
        assignment = routing.SolveFromAssignmentWithParameters(initial, parameters)
    if assignment is None:
        return None
    routes = []
    for vehicle in range(vehicles):
        index = routing.Start(vehicle)
        route = []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                route.append(node)
            index = assignment.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    if sum(len(r) for r in routes) < len(data.demands) - 1:
        return None  # some customer left out: not a full solution
    return routes


def solve(
    instance: SolomonInstance,
    time_limit: float,
    seed: int = 0,
    on_improve: ProgressCallback | None = None,
) -> SolomonSolution:
    """Fewest vehicles, then shortest distance, found within ``time_limit`` seconds.

    ``seed`` is accepted for a uniform solver interface; OR-Tools' search here is deterministic.
    """
    began = time.monotonic()
    deadline = began + time_limit
    data = _create_data(instance)
    ids = [c.id for c in instance.customers]

    def report(routes: list[list[int]]) -> SolomonSolution:
        solution = SolomonSolution(tuple(tuple(ids[n] for n in r) for r in routes))
        if on_improve is not None:
            on_improve(time.monotonic() - began, solution)
        return solution

    best = _solve(data, instance.vehicles, 0.15 * time_limit, None, vehicle_cost=VEHICLE_COST)
    if best is None:
        raise ValueError(f"no feasible solution found for {instance.name}")
    report(best)
    best = _minimise_routes(instance, data, best, deadline, report)
    remaining = deadline - time.monotonic()
    if remaining > 0.5:
        improved = _solve(data, len(best), remaining - 0.3, best)
        if improved is not None and len(improved) <= len(best) and _length(instance, improved) < _length(instance, best):
            best = improved
            report(best)
    return SolomonSolution(tuple(tuple(ids[n] for n in r) for r in best))


def _minimise_routes(
    instance: SolomonInstance,
    data: _Data,
    routes: list[list[int]],
    deadline: float,
    report: Callable[[list[list[int]]], SolomonSolution],
) -> list[list[int]]:
    """Repeatedly drop the shortest route and try to fit its customers into the others."""
    while len(routes) > 1:
        # Each attempt gets a fifth of what is left, so distance minimisation keeps the rest.
        budget = (deadline - time.monotonic()) / 5
        if budget < 1.0:
            break
        shortest = min(range(len(routes)), key=lambda r: (len(routes[r]), _length(instance, [routes[r]])))
        start = [r for i, r in enumerate(routes) if i != shortest]
        fewer = _solve(data, len(start), budget, start, optional=True)
        if fewer is None or len(fewer) >= len(routes):
            break
        routes = fewer
        report(routes)
    return routes


def _length(instance: SolomonInstance, routes: list[list[int]]) -> float:
    ids = [c.id for c in instance.customers]
    return sum(route_distance(instance, tuple(ids[n] for n in r)) for r in routes)
