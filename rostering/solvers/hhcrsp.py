"""HHCRSP benchmark adapter: instance → solver problem → search → published solution format."""

from __future__ import annotations

import time

from rostering.formats.hhcrsp import HhcrspInstance, HhcrspSolution, Route, Stop
from rostering.solvers import engine
from rostering.solvers.engine import ProgressCallback, Schedule
from rostering.solvers.problem import Job, Problem, Shift, Task


def build_problem(instance: HhcrspInstance) -> Problem:
    """One job per patient, one task per required service, eligible carers by ability."""
    tasks: list[Task] = []
    jobs: list[Job] = []
    for job_index, patient in enumerate(instance.patients):
        ids = []
        for service in patient.services:
            carers = tuple(i for i, c in enumerate(instance.caregivers) if service.service in c.abilities)
            ids.append(len(tasks))
            tasks.append(Task(job_index, patient.matrix_index, patient.earliest, patient.latest, service.duration, carers))
        jobs.append(
            Job(
                tasks=tuple(ids),
                sync=patient.sync or "none",
                gap_min=patient.gap[0],
                gap_max=patient.gap[1],
            )
        )
    office = instance.office_index
    shifts = tuple(Shift(office, office, c.shift_start) for c in instance.caregivers)
    return Problem(tuple(tasks), tuple(jobs), shifts, (instance.distances,))


def to_solution(instance: HhcrspInstance, plan: Schedule) -> HhcrspSolution:
    """The plan in the published format (``arrival_time`` is the service start)."""
    routes = []
    for carer, route in enumerate(plan.routes):
        if not route:
            continue
        stops = []
        for task in route:
            patient = instance.patients[plan.problem.tasks[task].job]
            service = patient.services[plan.problem.jobs[plan.problem.tasks[task].job].tasks.index(task)]
            begin = plan.start[task]
            stops.append(Stop(patient.id, service.service, begin, begin + service.duration))
        routes.append(Route(instance.caregivers[carer].id, tuple(stops)))
    return HhcrspSolution(tuple(routes))


def solve(
    instance: HhcrspInstance,
    time_limit: float,
    seed: int = 0,
    on_improve: ProgressCallback | None = None,
) -> HhcrspSolution:
    """Best solution found within ``time_limit`` seconds."""
    deadline = time.monotonic() + time_limit
    best = engine.solve(build_problem(instance), time_limit, seed, on_improve, deadline)
    return to_solution(instance, best)
