"""Solomon VRPTW instances (JSON: ``customers`` with id, x, y, demand, earliest, latest, cost).

Node 0 is the depot; ``cost`` is the service time. Distances are real Euclidean distances,
never truncated, as the hierarchical benchmark objective (vehicles, then distance) requires.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Customer:
    """A Solomon node (the depot is customer 0)."""

    id: int
    x: float
    y: float
    demand: int
    earliest: float
    latest: float
    service_time: float


@dataclass(frozen=True, slots=True)
class SolomonInstance:
    """A parsed Solomon instance; ``customers[0]`` is the depot."""

    name: str
    vehicles: int
    capacity: int
    customers: tuple[Customer, ...]

    def distance(self, a: int, b: int) -> float:
        """Euclidean distance between the nodes at positions ``a`` and ``b``."""
        ca, cb = self.customers[a], self.customers[b]
        return math.hypot(ca.x - cb.x, ca.y - cb.y)


@dataclass(frozen=True, slots=True)
class SolomonSolution:
    """Routes as lists of customer ids in visiting order, depot omitted."""

    routes: tuple[tuple[int, ...], ...]


def parse_instance(document: dict[str, Any], name: str = "instance") -> SolomonInstance:
    """Build an instance from a parsed JSON document; the depot is moved to position 0."""
    customers = sorted(
        (
            Customer(
                id=int(c["id"]),
                x=float(c["x"]),
                y=float(c["y"]),
                demand=int(c["demand"]),
                earliest=float(c["earliest"]),
                latest=float(c["latest"]),
                service_time=float(c["cost"]),
            )
            for c in document["customers"]
        ),
        key=lambda c: c.id,
    )
    return SolomonInstance(
        name=str(document.get("instance", name)),
        vehicles=int(document.get("vehicle-nr", len(customers) - 1)),
        capacity=int(document["capacity"]),
        customers=tuple(customers),
    )


def load_instance(path: str | Path) -> SolomonInstance:
    """Read a Solomon JSON file."""
    path = Path(path)
    return parse_instance(json.loads(path.read_text()), name=path.stem)


def route_distance(instance: SolomonInstance, route: tuple[int, ...]) -> float:
    """Euclidean length of depot → customers (by id) → depot."""
    index = {c.id: i for i, c in enumerate(instance.customers)}
    nodes = [0, *(index[c] for c in route), 0]
    return sum(instance.distance(a, b) for a, b in zip(nodes, nodes[1:]))


def solution_document(instance: SolomonInstance, solution: SolomonSolution) -> dict[str, Any]:
    """The solution as the JSON dict of DESIGN.md §3."""
    routes = [list(r) for r in solution.routes if r]
    return {
        "routes": routes,
        "vehicles": len(routes),
        "distance": sum(route_distance(instance, tuple(r)) for r in routes),
    }


def write_solution(instance: SolomonInstance, solution: SolomonSolution, path: str | Path) -> None:
    """Write the solution file."""
    Path(path).write_text(json.dumps(solution_document(instance, solution)) + "\n")
