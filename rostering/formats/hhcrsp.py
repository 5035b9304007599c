"""HHCRSP (Mankowska family) instances and solutions in the iolab-uniud/hhcrsp JSON format.

Instances read into the domain model (:mod:`rostering.model`): a patient is a visit with one
or two services, each with its own skill and duration, two services synchronised (simultaneous,
or sequential with a minimum and maximum gap between the first and the second service's start);
a caregiver is a carer starting and ending at the office. Solutions are the model's, written in
and read from the published format. The distance matrix is ordered office first, then patients.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rostering.model import (
    Carer,
    CarerRun,
    Location,
    ObjectiveBreakdown,
    RosterOptions,
    RosterSolution,
    ScheduledVisit,
    Service,
    UnassignedVisit,
    Visit,
)

# The benchmark's objective as the model's weights: travel plus total and maximum tardiness; no
# shift ends, and every patient must be served. (The published cost is this sum divided by 3.)
OPTIONS = RosterOptions(
    travel_weight=1.0, tardiness_weight=1.0, max_tardiness_weight=1.0, overtime_weight=0.0, unassigned_penalty=None
)
# Mankowska's files give no coordinates: their travel comes from the distance matrix alone.
NOWHERE = Location(math.nan, math.nan)


@dataclass(frozen=True, slots=True)
class HhcrspInstance:
    """A parsed instance: patients as the model's visits, caregivers as its carers, and the distances.

    Row 0 of ``distances`` is the office, where every caregiver starts and ends; patient ``i`` (in
    file order, as in ``visits``) is row ``i + 1``.
    """

    name: str
    visits: tuple[Visit, ...]
    carers: tuple[Carer, ...]
    distances: tuple[tuple[float, ...], ...]

    def travel_matrix(self) -> list[list[float]]:
        """The distances over the search's nodes: each visit, then each carer's start, then each carer's end."""
        rows = [i + 1 for i in range(len(self.visits))] + [0] * (2 * len(self.carers))
        return [[self.distances[a][b] for b in rows] for a in rows]


def parse_instance(document: dict[str, Any], name: str = "instance") -> HhcrspInstance:
    """Build an instance from a parsed JSON document (default service durations applied)."""
    default_duration = {s["id"]: float(s.get("default_duration") or 0) for s in document.get("services", [])}
    visits = []
    for raw in document["patients"]:
        services = tuple(
            Service(float(r.get("duration") or default_duration[r["service"]]), frozenset({r["service"]}), r["service"])
            for r in raw["required_caregivers"]
        )
        sync_raw = raw.get("synchronization") or {}
        gap_min, gap_max = (float(x) for x in sync_raw.get("distance", (0, 0)))
        visits.append(
            Visit(
                id=raw["id"],
                client_id=raw["id"],
                location=_location(raw),
                earliest=float(raw["time_window"][0]),
                latest=float(raw["time_window"][1]),
                services=services,
                sync=sync_raw.get("type") or "simultaneous",
                gap_min=gap_min,
                gap_max=gap_max,
            )
        )
    offices = document.get("central_offices") or [{}]
    office = _location(offices[0])
    carers = tuple(
        Carer(
            id=raw["id"],
            skills=frozenset(raw["abilities"]),
            shift_start=float((raw.get("working_shift") or (0, 0))[0]),
            shift_end=math.inf,
            start_location=office,
        )
        for raw in document["caregivers"]
    )
    distances = tuple(tuple(float(x) for x in row) for row in document["distances"])
    return HhcrspInstance(name=name, visits=tuple(visits), carers=carers, distances=distances)


def _location(raw: dict[str, Any]) -> Location:
    """The file's ``[longitude, latitude]``, when it gives one."""
    point = raw.get("location")
    return Location(float(point[1]), float(point[0])) if point else NOWHERE


def load_instance(path: str | Path) -> HhcrspInstance:
    """Read an HHCRSP instance file."""
    path = Path(path)
    return parse_instance(json.loads(path.read_text()), name=path.stem)


def parse_solution(instance: HhcrspInstance, document: dict[str, Any]) -> RosterSolution:
    """Read a solution in the published format as the model's solution of ``instance``.

    Raises ValueError when a stop names a patient or a service the instance does not have.
    """
    visits = {v.id: (i, v) for i, v in enumerate(instance.visits)}
    runs = []
    for raw in document["routes"]:
        stops = []
        for stop in raw["locations"]:
            if stop["patient_id"] not in visits:
                raise ValueError(f"patient {stop['patient_id']} is not in the instance")
            index, visit = visits[stop["patient_id"]]
            names = [service.name for service in visit.services]
            if stop["service_id"] not in names:
                raise ValueError(f"patient {visit.id} does not require {stop['service_id']}")
            stops.append((index, names.index(stop["service_id"]), float(stop["arrival_time"]), float(stop["departure_time"])))
        runs.append(_run(instance, raw["caregiver_id"], stops))
    served = {s.visit_id for run in runs for s in run.visits}
    unassigned = tuple(UnassignedVisit(v.id, "not in the solution") for v in instance.visits if v.id not in served)
    tardiness = [s.tardiness for run in runs for s in run.visits]
    travel = sum(run.travel_minutes for run in runs)
    objective = ObjectiveBreakdown(
        travel_minutes=travel, total_tardiness=sum(tardiness), max_tardiness=max(tardiness, default=0.0),
        overtime_minutes=0.0, unfamiliar_visits=0, unassigned_visits=len(unassigned),
        total=travel + sum(tardiness) + max(tardiness, default=0.0),
    )
    return RosterSolution(tuple(runs), unassigned, objective)


def _run(instance: HhcrspInstance, carer_id: str, stops: list[tuple[int, int, float, float]]) -> CarerRun:
    """One caregiver's route (visit index, service index, start, end per stop) with its travel and waits."""
    row, ready = 0, next((c.shift_start for c in instance.carers if c.id == carer_id), 0.0)
    scheduled = []
    for index, service, start, end in stops:
        visit = instance.visits[index]
        leg = instance.distances[row][index + 1]
        scheduled.append(
            ScheduledVisit(visit.id, visit.client_id, start, end, leg, max(0.0, start - ready - leg),
                           max(0.0, start - visit.latest), service=service)
        )
        row, ready = index + 1, end
    home = instance.distances[row][0] if stops else 0.0
    return CarerRun(
        carer_id=carer_id,
        visits=tuple(scheduled),
        travel_minutes=sum(s.travel_minutes for s in scheduled) + home,
        idle_minutes=sum(s.idle_minutes for s in scheduled),
        end=ready + home,
        overtime=0.0,
    )


def load_solution(instance: HhcrspInstance, path: str | Path) -> RosterSolution:
    """Read an HHCRSP solution file of ``instance``."""
    return parse_solution(instance, json.loads(Path(path).read_text()))


def solution_document(instance: HhcrspInstance, solution: RosterSolution) -> dict[str, Any]:
    """The solution as a JSON-ready dict, with ``global_ordering`` by first service start."""
    visits = {v.id: v for v in instance.visits}
    first_start: dict[str, float] = {}
    for run in solution.runs:
        for stop in run.visits:
            first_start[stop.visit_id] = min(first_start.get(stop.visit_id, stop.start), stop.start)
    return {
        "routes": [
            {
                "caregiver_id": run.carer_id,
                "locations": [
                    {
                        "patient_id": s.visit_id,
                        "service_id": visits[s.visit_id].services[s.service].name,
                        "arrival_time": s.start,
                        "departure_time": s.end,
                    }
                    for s in run.visits
                ],
            }
            for run in solution.runs
            if run.visits
        ],
        "global_ordering": sorted(first_start, key=lambda p: (first_start[p], p)),
    }


def write_solution(instance: HhcrspInstance, solution: RosterSolution, path: str | Path) -> None:
    """Write a solution file in the published format."""
    Path(path).write_text(json.dumps(solution_document(instance, solution), indent=2) + "\n")
