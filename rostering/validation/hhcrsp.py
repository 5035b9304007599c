"""Validator for HHCRSP solutions, following the published iolab-uniud/hhcrsp checker.

Tardiness of a service is how far its start (``arrival_time``) is past the patient's latest
start; the cost is (distance traveled + total tardiness + max tardiness) / 3.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from rostering.formats.hhcrsp import HhcrspInstance, HhcrspSolution, Patient
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


def validate(instance: HhcrspInstance, solution: HhcrspSolution) -> HhcrspReport:
    """Check every rule of the benchmark and compute the objective."""
    patients = {p.id: p for p in instance.patients}
    caregivers = {c.id: c for c in instance.caregivers}
    dist = instance.distances
    office = instance.office_index
    violations: list[Violation] = []
    served: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    tardiness: dict[tuple[str, str], float] = {}
    distance = 0.0

    def fail(code: str, message: str) -> None:
        violations.append(Violation(code, message))

    seen_caregivers: set[str] = set()
    for route in solution.routes:
        caregiver = caregivers.get(route.caregiver_id)
        if caregiver is None:
            fail("unknown-caregiver", f"caregiver {route.caregiver_id} is not in the instance")
            continue
        if route.caregiver_id in seen_caregivers:
            fail("repeated-caregiver", f"caregiver {route.caregiver_id} has more than one route")
        seen_caregivers.add(route.caregiver_id)
        position, ready = office, caregiver.shift_start
        for stop in route.stops:
            patient = patients.get(stop.patient_id)
            if patient is None:
                fail("unknown-patient", f"patient {stop.patient_id} is not in the instance")
                continue
            if not (math.isfinite(stop.arrival_time) and math.isfinite(stop.departure_time)):
                fail("times", f"{route.caregiver_id} at {stop.patient_id}: times are not finite")
                continue
            required = {s.service: s.duration for s in patient.services}
            if stop.service_id not in required:
                fail("unrequired-service", f"patient {patient.id} does not require {stop.service_id}")
                continue
            if stop.service_id not in caregiver.abilities:
                fail("skill", f"caregiver {caregiver.id} cannot provide {stop.service_id} to {patient.id}")
            if stop.departure_time - stop.arrival_time < required[stop.service_id]:
                fail("duration", f"{caregiver.id} at {patient.id}: service shorter than its duration")
            travel = dist[position][patient.matrix_index]
            if stop.arrival_time < ready + travel:
                fail("travel", f"{caregiver.id} reaches {patient.id} at {stop.arrival_time}, before {ready + travel}")
            if stop.arrival_time < patient.earliest:
                fail("early", f"{caregiver.id} starts {patient.id} at {stop.arrival_time}, before {patient.earliest}")
            distance += travel
            served[(patient.id, stop.service_id)].append((caregiver.id, stop.arrival_time))
            tardiness[(patient.id, stop.service_id)] = max(0.0, stop.arrival_time - patient.latest)
            position, ready = patient.matrix_index, stop.departure_time
        if route.stops:
            distance += dist[position][office]

    for patient in instance.patients:
        _check_patient(patient, served, fail)
    values = list(tardiness.values())
    return HhcrspReport(
        violations=tuple(violations),
        distance_traveled=distance,
        total_tardiness=sum(values),
        max_tardiness=max(values, default=0.0),
        tardiness=tardiness,
    )


def _check_patient(patient: Patient, served: dict[tuple[str, str], list[tuple[str, float]]], fail: Fail) -> None:
    """Every required service served exactly once, and double services synchronised."""
    starts: list[float] = []
    carers: list[str] = []
    for service in patient.services:
        providers = served.get((patient.id, service.service), [])
        if len(providers) != 1:
            fail("unserved" if not providers else "served-twice",
                 f"patient {patient.id} service {service.service} served {len(providers)} times")
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
    if patient.sync == "sequential" and not (first + patient.gap[0] <= second <= first + patient.gap[1]):
        fail("sync", f"patient {patient.id}: second service at {second} outside {first}+{patient.gap}")
