"""HHCRSP (Mankowska family) instances and solutions in the iolab-uniud/hhcrsp JSON format.

The distance matrix is ordered office first, then patients in file order. Each patient needs one
or two services; two services come with a synchronisation (simultaneous, or sequential with a
minimum and maximum gap between the first and the second service's start).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SyncType = Literal["simultaneous", "sequential"]


@dataclass(frozen=True, slots=True)
class RequiredService:
    """One caregiver's service at a patient."""

    service: str
    duration: float


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient with a time window on service start and one or two required services."""

    id: str
    matrix_index: int
    earliest: float
    latest: float
    services: tuple[RequiredService, ...]
    sync: SyncType | None = None
    gap: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True, slots=True)
class Caregiver:
    """A caregiver with the services they can provide; starts and ends at the office."""

    id: str
    abilities: frozenset[str]
    shift_start: float = 0.0


@dataclass(frozen=True, slots=True)
class HhcrspInstance:
    """A parsed HHCRSP instance."""

    name: str
    patients: tuple[Patient, ...]
    caregivers: tuple[Caregiver, ...]
    distances: tuple[tuple[float, ...], ...]
    office_index: int = 0


@dataclass(frozen=True, slots=True)
class Stop:
    """One service in a caregiver's route: ``arrival_time`` is the service start."""

    patient_id: str
    service_id: str
    arrival_time: float
    departure_time: float


@dataclass(frozen=True, slots=True)
class Route:
    """A caregiver's ordered stops."""

    caregiver_id: str
    stops: tuple[Stop, ...]


@dataclass(frozen=True, slots=True)
class HhcrspSolution:
    """A solution: one route per caregiver used."""

    routes: tuple[Route, ...] = field(default_factory=tuple)


def parse_instance(document: dict[str, Any], name: str = "instance") -> HhcrspInstance:
    """Build an instance from a parsed JSON document (default service durations applied)."""
    default_duration = {s["id"]: float(s.get("default_duration") or 0) for s in document.get("services", [])}
    patients = []
    for position, raw in enumerate(document["patients"], start=1):
        services = tuple(
            RequiredService(r["service"], float(r.get("duration") or default_duration[r["service"]]))
            for r in raw["required_caregivers"]
        )
        sync_raw = raw.get("synchronization") or {}
        gap = tuple(float(x) for x in sync_raw.get("distance", (0, 0)))
        patients.append(
            Patient(
                id=raw["id"],
                matrix_index=position,
                earliest=float(raw["time_window"][0]),
                latest=float(raw["time_window"][1]),
                services=services,
                sync=sync_raw.get("type") if len(services) > 1 else None,
                gap=(gap[0], gap[1]),
            )
        )
    caregivers = tuple(
        Caregiver(
            id=raw["id"],
            abilities=frozenset(raw["abilities"]),
            shift_start=float((raw.get("working_shift") or (0, 0))[0]),
        )
        for raw in document["caregivers"]
    )
    distances = tuple(tuple(float(x) for x in row) for row in document["distances"])
    return HhcrspInstance(name=name, patients=tuple(patients), caregivers=caregivers, distances=distances)


def load_instance(path: str | Path) -> HhcrspInstance:
    """Read an HHCRSP instance file."""
    path = Path(path)
    return parse_instance(json.loads(path.read_text()), name=path.stem)


def parse_solution(document: dict[str, Any]) -> HhcrspSolution:
    """Build a solution from a parsed JSON document in the published solution format."""
    return HhcrspSolution(
        routes=tuple(
            Route(
                caregiver_id=r["caregiver_id"],
                stops=tuple(
                    Stop(s["patient_id"], s["service_id"], float(s["arrival_time"]), float(s["departure_time"]))
                    for s in r["locations"]
                ),
            )
            for r in document["routes"]
        )
    )


def load_solution(path: str | Path) -> HhcrspSolution:
    """Read an HHCRSP solution file."""
    return parse_solution(json.loads(Path(path).read_text()))


def solution_document(solution: HhcrspSolution) -> dict[str, Any]:
    """The solution as a JSON-ready dict, with ``global_ordering`` by first service start."""
    first_start: dict[str, float] = {}
    for route in solution.routes:
        for stop in route.stops:
            first_start[stop.patient_id] = min(first_start.get(stop.patient_id, stop.arrival_time), stop.arrival_time)
    return {
        "routes": [
            {
                "caregiver_id": route.caregiver_id,
                "locations": [
                    {
                        "patient_id": s.patient_id,
                        "service_id": s.service_id,
                        "arrival_time": s.arrival_time,
                        "departure_time": s.departure_time,
                    }
                    for s in route.stops
                ],
            }
            for route in solution.routes
        ],
        "global_ordering": sorted(first_start, key=lambda p: (first_start[p], p)),
    }


def write_solution(solution: HhcrspSolution, path: str | Path) -> None:
    """Write a solution file in the published format."""
    Path(path).write_text(json.dumps(solution_document(solution), indent=2) + "\n")
