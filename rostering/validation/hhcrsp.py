"""Validator for HHCRSP solutions, following the published iolab-uniud/hhcrsp checker.

Tardiness of a service is how far its start (``arrival_time``) is past the patient's latest
start; the cost is (distance traveled + total tardiness + max tardiness) / 3.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from rostering.formats.hhcrsp import HhcrspInstance
from rostering.model import RosterSolution, Visit
from rostering.validation import Violation

Fail = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class HhcrspReport:
    """Outcome of validating one solution."""

    violations: tuple[Violation, ...]
    distance_traveled: float
    total_tardiness: float
    max_tardiness: float
    tardiness: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    @property
    def total_cost(self) -> float:
        """The benchmark objective."""
        return (self.distance_traveled + self.total_tardiness + self.max_tardiness) / 3

    def figures(self) -> dict[str, float]:
        """The objective figures printed by ``domicare roster solve``."""
        return {
            "distance_traveled": self.distance_traveled,
            "total_tardiness": self.total_tardiness,
            "max_tardiness": self.max_tardiness,
            "total_cost": self.total_cost,
        }


def validate(instance: HhcrspInstance, solution: RosterSolution) -> HhcrspReport:
    """Check every rule of the benchmark and compute the objective."""
    visits = {v.id: (i + 1, v) for i, v in enumerate(instance.visits)}  # row in the distances, visit
    carers = {c.id: c for c in instance.carers}
    dist = instance.distances
    office = 0
    violations: list[Violation] = []
    served: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    tardiness: dict[tuple[str, str], float] = {}
    distance = 0.0

    def fail(code: str, message: str) -> None:
        violations.append(Violation(code, message))

    seen_caregivers: set[str] = set()
    for run in solution.runs:
        caregiver = carers.get(run.carer_id)
        if caregiver is None:
            fail("unknown-caregiver", f"caregiver {run.carer_id} is not in the instance")
            continue
        if run.carer_id in seen_caregivers:
            fail("repeated-caregiver", f"caregiver {run.carer_id} has more than one route")
        seen_caregivers.add(run.carer_id)
        position, ready = office, caregiver.shift_start
        for stop in run.visits:
            if stop.visit_id not in visits:
                fail("unknown-patient", f"patient {stop.visit_id} is not in the instance")
                continue
            row, patient = visits[stop.visit_id]
            if not (math.isfinite(stop.start) and math.isfinite(stop.end)):
                fail("times", f"{run.carer_id} at {patient.id}: times are not finite")
                continue
            if not 0 <= stop.service < len(patient.services):
                fail("unrequired-service", f"patient {patient.id} has no service {stop.service}")
                continue
            service = patient.services[stop.service]
            if not service.skills <= caregiver.skills:
                fail("skill", f"caregiver {caregiver.id} cannot provide {service.name} to {patient.id}")
            if stop.end - stop.start < service.duration:
                fail("duration", f"{caregiver.id} at {patient.id}: service shorter than its duration")
            travel = dist[position][row]
            if stop.start < ready + travel:
                fail("travel", f"{caregiver.id} reaches {patient.id} at {stop.start}, before {ready + travel}")
            if stop.start < patient.earliest:
                fail("early", f"{caregiver.id} starts {patient.id} at {stop.start}, before {patient.earliest}")
            distance += travel
            served[(patient.id, stop.service)].append((caregiver.id, stop.start))
            tardiness[(patient.id, service.name)] = max(0.0, stop.start - patient.latest)
            position, ready = row, stop.end
        if run.visits:
            distance += dist[position][office]

    for patient in instance.visits:
        _check_patient(patient, served, fail)
    values = list(tardiness.values())
    return HhcrspReport(
        violations=tuple(violations),
        distance_traveled=distance,
        total_tardiness=sum(values),
        max_tardiness=max(values, default=0.0),
        tardiness=tardiness,
    )


def _check_patient(patient: Visit, served: dict[tuple[str, int], list[tuple[str, float]]], fail: Fail) -> None:
    """Every required service served exactly once, and double services synchronised."""
    starts: list[float] = []
    carers: list[str] = []
    for index, service in enumerate(patient.services):
        providers = served.get((patient.id, index), [])
        if len(providers) != 1:
            fail("unserved" if not providers else "served-twice",
                 f"patient {patient.id} service {service.name} served {len(providers)} times")
            return
        carers.append(providers[0][0])
        starts.append(providers[0][1])
    if len(starts) < 2:
        return
    if carers[0] == carers[1]:
        fail("same-caregiver", f"patient {patient.id} needs two caregivers but gets {carers[0]} twice")
    first, second = starts
    if patient.sync == "simultaneous" and first != second:
        fail("sync", f"patient {patient.id}: simultaneous services start at {first} and {second}")
    gap = (patient.gap_min, patient.gap_max)
    if patient.sync == "sequential" and not (first + gap[0] <= second <= first + gap[1]):
        fail("sync", f"patient {patient.id}: second service at {second} outside {first}+{gap}")
