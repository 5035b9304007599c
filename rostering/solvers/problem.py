"""The search's view of a day: the model of :mod:`rostering.model` as arrays, built in named steps.

A *task* is one carer's part of a visit (one of its services); a visit's tasks (one or two) are
a *job*, synchronised as the visit says. Nodes are the visits in order, then each carer's start,
then each carer's end; ``travel[profile]`` gives the minutes between nodes for one mode of travel,
which are also the travel cost. Earliest starts are hard, latest starts soft (tardiness), shift
ends soft (overtime).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rostering.model import Carer, RosterOptions, Service, Visit

# Per minute of work past a hard shift end: a minute's overrun costs as much as leaving out 10^6 visits at
# the default penalty, so the search leaves a visit out rather than keep any overrun that matters.
HARD_END_WEIGHT = 1e10


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the search needs, one array per attribute, indexed by task, job or carer."""

    task_job: np.ndarray  # [task] the visit (job, and node) it belongs to
    task_service: np.ndarray  # [task] which of the visit's services
    task_duration: np.ndarray
    task_earliest: np.ndarray
    task_latest: np.ndarray
    eligible: np.ndarray  # [task, carer] may this carer give it
    assignment: np.ndarray  # [task, carer] cost of this carer giving it (continuity of care)
    job_tasks: np.ndarray  # [job, 2] its tasks, -1 in the second column when single
    job_sequential: np.ndarray  # [job] the second task starts gap[0]..gap[1] after the first
    job_gap: np.ndarray  # [job, 2]
    job_penalty: np.ndarray  # [job] cost of leaving it out; inf: it must be served
    carer_start: np.ndarray  # [carer] shift start
    carer_end: np.ndarray  # [carer] shift end, past which work is overtime
    carer_reserve: np.ndarray  # [carer] minutes the search keeps free before the shift end for an unpaid break
    carer_profile: np.ndarray  # [carer] which travel matrix applies (the carer's mode of travel)
    travel: np.ndarray  # [profile, node, node]
    weights: np.ndarray  # travel, total tardiness, max tardiness, overtime

    @property
    def tasks(self) -> int:
        """How many tasks."""
        return len(self.task_job)

    @property
    def jobs(self) -> int:
        """How many jobs (visits)."""
        return len(self.job_tasks)

    @property
    def carers(self) -> int:
        """How many carers."""
        return len(self.carer_start)


def may_serve(carer: Carer, visit: Visit, service: Service) -> bool:
    """The carer has the service's skills, is not excluded by the client, and is of the gender it asks for."""
    return (
        service.skills <= carer.skills
        and visit.client_id not in carer.excluded_clients
        and (visit.carer_gender is None or carer.gender == visit.carer_gender)
    )


def build_problem(
    visits: Sequence[Visit],
    carers: Sequence[Carer],
    options: RosterOptions,
    travel: Sequence[Sequence[Sequence[float]]],
    profiles: Sequence[int],
) -> Problem:
    """The day as arrays: ``travel`` holds one matrix per mode over the nodes, ``profiles`` each carer's mode."""
    task_job, task_service = _tasks(visits)
    eligible = _eligibility(visits, carers, task_job, task_service)
    job_tasks, sequential, gap = _jobs(visits)
    penalty = math.inf if options.unassigned_penalty is None else options.unassigned_penalty
    return Problem(
        task_job=task_job,
        task_service=task_service,
        task_duration=np.array([visits[j].services[s].duration for j, s in zip(task_job, task_service)], dtype=float),
        task_earliest=np.array([visits[j].earliest for j in task_job], dtype=float),
        task_latest=np.array([visits[j].latest for j in task_job], dtype=float),
        eligible=eligible,
        assignment=_continuity(visits, carers, options, task_job, eligible),
        job_tasks=job_tasks,
        job_sequential=sequential,
        job_gap=gap,
        job_penalty=np.full(len(visits), penalty, dtype=float),
        carer_start=np.array([c.shift_start for c in carers], dtype=float),
        carer_end=np.array([c.working_end for c in carers], dtype=float),
        carer_reserve=np.array([_reserve(c, options) for c in carers], dtype=float),
        carer_profile=np.array(profiles, dtype=np.int64),
        travel=np.ascontiguousarray(travel, dtype=float),
        weights=np.array(
            [options.travel_weight, options.tardiness_weight, options.max_tardiness_weight, _overtime_weight(options)],
            dtype=float,
        ),
    )


def _tasks(visits: Sequence[Visit]) -> tuple[np.ndarray, np.ndarray]:
    """One task per service, in visit order."""
    pairs = [(j, s) for j, visit in enumerate(visits) for s in range(len(visit.services))]
    return np.array([j for j, _ in pairs], dtype=np.int64), np.array([s for _, s in pairs], dtype=np.int64)


def _eligibility(visits: Sequence[Visit], carers: Sequence[Carer], task_job: np.ndarray, task_service: np.ndarray) -> np.ndarray:
    eligible = np.zeros((len(task_job), len(carers)), dtype=np.bool_)
    for t, (j, s) in enumerate(zip(task_job, task_service)):
        visit = visits[j]
        eligible[t] = [may_serve(c, visit, visit.services[s]) for c in carers]
    return eligible


def _continuity(
    visits: Sequence[Visit], carers: Sequence[Carer], options: RosterOptions, task_job: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    """The continuity weight on each eligible carer the client does not know (carers' preferred clients count as known)."""
    cost = np.zeros(eligible.shape)
    for t, j in enumerate(task_job):
        client = visits[j].client_id
        familiar = set(options.history.get(client, ())) | {c.id for c in carers if client in c.preferred_clients}
        if familiar:  # continuity only means something once the client knows someone
            for k in np.flatnonzero(eligible[t]):
                if carers[k].id not in familiar:
                    cost[t, k] = options.continuity_weight
    return cost


def _jobs(visits: Sequence[Visit]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    job_tasks = np.full((len(visits), 2), -1, dtype=np.int64)
    sequential = np.zeros(len(visits), dtype=np.bool_)
    gap = np.zeros((len(visits), 2))
    task = 0
    for j, visit in enumerate(visits):
        count = len(visit.services)
        job_tasks[j, :count] = range(task, task + count)
        task += count
        if count == 2 and visit.sync == "sequential":
            sequential[j] = True
            gap[j] = visit.gap_min, visit.gap_max
    return job_tasks, sequential, gap


def _overtime_weight(options: RosterOptions) -> float:
    """Per minute past a shift's end; with hard ends far above leaving a visit out, so the search never keeps any."""
    return HARD_END_WEIGHT if options.hard_shift_ends else options.overtime_weight


def _reserve(carer: Carer, options: RosterOptions) -> float:
    """An owed break's minutes: the search does not see breaks (they are placed after it), so it leaves room."""
    rule = options.unpaid_break
    return rule.minutes if rule is not None and rule.owed(carer.shift_start, carer.working_end) else 0.0
