"""Validator for Solomon VRPTW solutions: hard windows, capacity, every customer once.

Service starts at max(arrival, earliest) and must not start after ``latest``; each vehicle must
be back at the depot by the depot's ``latest``. Distances are real Euclidean distances.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rostering.formats.solomon import SolomonInstance, SolomonSolution
from rostering.validation import Violation

# Tolerance for floating-point sums of Euclidean distances against integer windows.
_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class SolomonReport:
    """Outcome of validating one solution."""

    violations: tuple[Violation, ...]
    vehicles: int
    distance: float

    @property
    def valid(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def figures(self) -> dict[str, float | int]:
        """The objective figures printed by ``domicare roster solve``."""
        return {"vehicles": self.vehicles, "distance": self.distance}


def validate(instance: SolomonInstance, solution: SolomonSolution) -> SolomonReport:
    """Check every rule and compute vehicles used and total distance."""
    index = {c.id: i for i, c in enumerate(instance.customers)}
    depot = instance.customers[0]
    violations: list[Violation] = []
    routes = [r for r in solution.routes if r]
    if len(routes) > instance.vehicles:
        violations.append(Violation("fleet", f"{len(routes)} routes but only {instance.vehicles} vehicles"))
    visits = Counter(c for r in routes for c in r)
    for customer in instance.customers[1:]:
        if visits[customer.id] != 1:
            code = "unserved" if visits[customer.id] == 0 else "served-twice"
            violations.append(Violation(code, f"customer {customer.id} visited {visits[customer.id]} times"))
    for unknown in set(visits) - {c.id for c in instance.customers[1:]}:
        violations.append(Violation("unknown-customer", f"customer {unknown} is not in the instance"))
    distance = 0.0
    for number, route in enumerate(routes):
        known = [index[c] for c in route if c in index and c != depot.id]
        load = sum(instance.customers[i].demand for i in known)
        if load > instance.capacity:
            violations.append(Violation("capacity", f"route {number} carries {load} > {instance.capacity}"))
        clock, here = depot.earliest, 0
        for node in [*known, 0]:
            leg = instance.distance(here, node)
            distance += leg
            customer = instance.customers[node]
            arrival = clock + leg
            if arrival > customer.latest + _EPS:
                where = "the depot" if node == 0 else f"customer {customer.id}"
                violations.append(Violation("late", f"route {number} reaches {where} at {arrival:.3f} > {customer.latest}"))
            clock = max(arrival, customer.earliest) + customer.service_time
            here = node
    return SolomonReport(tuple(violations), len(routes), distance)
