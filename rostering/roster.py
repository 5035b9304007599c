"""Roster a provider's day: the entry points the backend calls.

``solve_day`` assigns visits to carers and orders each run; ``reroster`` re-solves what is left
of a day (a carer off sick, visits already started stay as they are). Both translate the product
model into the solver problem, run the compiled ruin-and-recreate search and translate back.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from rostering.model import (
    Carer,
    CarerRun,
    ObjectiveBreakdown,
    RosterOptions,
    RosterSolution,
    ScheduledVisit,
    StartedVisit,
    UnassignedVisit,
    Visit,
)
from rostering import decompose as decomposition
from rostering.solvers import breaks, engine
from rostering.solvers.engine import Schedule
from rostering.solvers.problem import Problem, may_serve
from rostering.solvers.problem import build_problem as problem_arrays
from rostering.travel import HaversineTravel, TravelModel

ProgressCallback = Callable[[float, ObjectiveBreakdown], None]
StageCallback = Callable[[str], None]
DECOMPOSE_ABOVE = 600  # visits; below this one compiled search over the whole day does better


def solve_day(
    visits: Sequence[Visit],
    carers: Sequence[Carer],
    options: RosterOptions = RosterOptions(),
    time_limit: float = 10.0,
    progress_callback: ProgressCallback | None = None,
    travel: TravelModel | None = None,
    decompose: bool | None = None,
    workers: int = 2,
    stage_callback: StageCallback | None = None,
) -> RosterSolution:
    """Assign and order the day's visits within ``time_limit`` seconds.

    A day of more than ``DECOMPOSE_ABOVE`` visits (or any, with ``decompose=True``) is split into
    patches solved ``workers`` at a time, then repaired as a whole (:mod:`rostering.decompose`).
    ``progress_callback(elapsed, objective)`` hears of every better valid rota, the first as soon
    as one exists; ``stage_callback(stage)`` hears what the solve is doing, in words, as each phase
    starts (a decomposed day spends minutes in phases that find no better whole-day rota).
    Raises ValueError on inconsistent input (a visit needing 0 or 3 carers, a window or shift
    ending before it starts, duplicate ids).
    """
    _check_input(visits, carers)
    stage = stage_callback or (lambda _stage: None)
    began = time.monotonic()
    deadline = began + time_limit
    problem = build_problem(visits, carers, options, travel or HaversineTravel())
    reported = [math.inf]

    def on_improve(elapsed: float, better: Schedule) -> None:
        # Only better rotas are reported: a later round's start may be worse than an earlier rota.
        if progress_callback is not None and better.cost < reported[0] - 1e-9:
            reported[0] = better.cost
            progress_callback(time.monotonic() - began, _breakdown(better))

    if decompose is None:
        decompose = len(visits) > DECOMPOSE_ABOVE
    if not decompose or len(visits) < 2 * decomposition.MIN_PATCH_VISITS:
        stage("searching the whole day")
        best = engine.solve(problem, time_limit, options.seed, on_improve, deadline)
        return _finish(best, visits, carers, options, stage)
    count = decomposition.patch_count(len(visits))
    stage(f"splitting the day into {count} patches")
    patches = decomposition.make_patches(visits, carers, count, options.seed)
    budgets = (0.0, decomposition.PATCH_SHARE * time_limit)  # construction only (a first rota fast), then search
    chosen: Schedule | None = None
    stage(f"first rota: building {len(patches)} patches")
    rounds = decomposition.solve_patches(visits, carers, patches, options, budgets, travel, workers)
    for number, solved in enumerate(rounds):
        last = number == len(budgets) - 1
        if last:
            stage("repairing across patch boundaries")
        initial = decomposition.initial_runs(solved, visits, carers)
        # The first round's merge is only completed and reported; after the last, the whole-day
        # search repairs across patch boundaries until the deadline.
        merged = engine.solve(problem, time_limit, options.seed, on_improve, deadline if last else time.monotonic(), initial)
        if chosen is None or merged.cost < chosen.cost:
            chosen = merged
        if not last:
            stage(f"searching {len(patches)} patches")  # the next round runs while the generator is asked for it
    assert chosen is not None  # one schedule per round, and there are rounds
    return _finish(chosen, visits, carers, options, stage)


def _finish(
    plan: Schedule, visits: Sequence[Visit], carers: Sequence[Carer], options: RosterOptions, stage: StageCallback
) -> RosterSolution:
    """The searched plan as the day's rota, with unpaid breaks placed when the options ask for them."""
    rule = options.unpaid_break
    if rule is None:
        return to_solution(plan, visits, carers)
    stage("placing unpaid breaks")
    placed = breaks.place_breaks(plan.problem, plan, rule)
    return to_solution(placed.schedule, visits, carers, Rests(placed.breaks, rule.minutes))


def reroster(
    visits: Sequence[Visit],
    carers: Sequence[Carer],
    now: float,
    started: Sequence[StartedVisit] = (),
    unavailable: Collection[str] = (),
    options: RosterOptions = RosterOptions(),
    time_limit: float = 10.0,
    progress_callback: ProgressCallback | None = None,
    travel: TravelModel | None = None,
    stage_callback: StageCallback | None = None,
) -> RosterSolution:
    """Re-solve the rest of the day at minute ``now``.

    Started visits keep their carers and start times and open their carers' runs; carers in
    ``unavailable`` get no new visits; nothing new starts before ``now``.
    """
    by_id = {v.id: v for v in visits}
    unknown = [s.visit_id for s in started if s.visit_id not in by_id]
    if unknown:
        raise ValueError(f"started visits not in the day: {unknown}")
    started_ids = {s.visit_id for s in started}
    # A visit whose window has already closed is still owed: it starts now at the earliest and
    # its lateness is paid for as tardiness, so its latest start can be no earlier than that.
    remaining = [
        dataclasses.replace(v, earliest=max(v.earliest, now), latest=max(v.latest, v.earliest, now))
        for v in visits
        if v.id not in started_ids
    ]
    available = [_carer_from(c, now, started, by_id) for c in carers if c.id not in unavailable]
    solution = solve_day(remaining, available, options, time_limit, progress_callback, travel,
                         stage_callback=stage_callback)
    return _with_started(solution, started, by_id, carers)


# --------------------------------------------------------------------------- building the problem
def _check_input(visits: Sequence[Visit], carers: Sequence[Carer]) -> None:
    if len({v.id for v in visits}) != len(visits) or len({c.id for c in carers}) != len(carers):
        raise ValueError("visit and carer ids must be unique")
    for visit in visits:
        if visit.carers_needed not in (1, 2):
            raise ValueError(f"visit {visit.id}: carers_needed must be 1 or 2")
        if visit.latest < visit.earliest or any(s.duration < 0 for s in visit.services):
            raise ValueError(f"visit {visit.id}: window or duration is inconsistent")
        if visit.carers_needed == 2 and visit.sync == "sequential" and visit.gap_max < visit.gap_min:
            raise ValueError(f"visit {visit.id}: gap_max is below gap_min")
    for carer in carers:
        if carer.shift_end < carer.shift_start:
            raise ValueError(f"carer {carer.id}: shift ends before it starts")


def travel_modes(carers: Sequence[Carer], options: RosterOptions) -> list[str]:
    """Each carer's mode of travel (the day's default when the carer has none)."""
    return [c.travel_mode or options.travel_mode for c in carers]


def travel_matrices(
    visits: Sequence[Visit], carers: Sequence[Carer], options: RosterOptions, travel: TravelModel
) -> tuple[list[str], list[list[list[float]]]]:
    """The modes in use and one matrix per mode over the nodes: each visit, then each carer's start, then end."""
    points = [v.location for v in visits]
    points += [c.start_location for c in carers]
    points += [c.end_location or c.start_location for c in carers]
    modes = sorted(set(travel_modes(carers, options)))
    return modes, [travel.matrix(points, mode) for mode in modes]


def build_problem(visits: Sequence[Visit], carers: Sequence[Carer], options: RosterOptions, travel: TravelModel) -> Problem:
    """The day as the search's arrays, with travel times from each carer's mode."""
    modes, matrices = travel_matrices(visits, carers, options, travel)
    return problem_arrays(visits, carers, options, matrices, [modes.index(m) for m in travel_modes(carers, options)])


# --------------------------------------------------------------------------- reading the plan
def _breakdown(plan: Schedule) -> ObjectiveBreakdown:
    assignment = plan.problem.assignment
    return ObjectiveBreakdown(
        travel_minutes=plan.travel_total,
        total_tardiness=plan.tardiness_total,
        max_tardiness=plan.tardiness_max,
        overtime_minutes=plan.overtime_total,
        unfamiliar_visits=sum(1 for task, carer in enumerate(plan.carer_of) if carer >= 0 and assignment[task, carer] > 0),
        unassigned_visits=len(plan.unassigned),
        total=plan.cost,
    )


def _unassigned_reason(visit: Visit, carers: Sequence[Carer]) -> str:
    skilled = [[c for c in carers if s.skills <= c.skills] for s in visit.services]
    lacking = [s for s, able in zip(visit.services, skilled) if not able]
    if lacking:
        return "no carer has the required skills: " + ", ".join(sorted(set().union(*(s.skills for s in lacking))))
    eligible = [[c for c in carers if may_serve(c, visit, s)] for s in visit.services]
    if not all(eligible):
        if visit.carer_gender is not None and not any(c.gender == visit.carer_gender for able in skilled for c in able):
            return f"no {visit.carer_gender} carer has the required skills"
        return "every carer with the required skills is excluded by the client"
    if len({c.id for able in eligible for c in able}) < visit.carers_needed:
        return "needs two carers but only one carer is eligible"
    return "serving it would cost more than leaving it out (travel, lateness, or work past shift ends)"


@dataclass(frozen=True, slots=True)
class Rests:
    """Unpaid breaks placed in a plan: each carer's break start, and their length."""

    starts: Mapping[int, float] = field(default_factory=dict)
    minutes: float = 0.0


def to_solution(plan: Schedule, visits: Sequence[Visit], carers: Sequence[Carer], rests: Rests = Rests()) -> RosterSolution:
    """The searched plan as the model's solution: each carer's run with its travel, waits, lateness and break."""
    problem = plan.problem
    jobs, carer_count = problem.jobs, problem.carers
    runs = []
    for index, route in enumerate(plan.routes):
        matrix = problem.travel[problem.carer_profile[index]]
        ready, node = float(problem.carer_start[index]), jobs + index
        scheduled = []
        for task in route:
            job, service = int(problem.task_job[task]), int(problem.task_service[task])
            visit = visits[job]
            leg = float(matrix[node][job])
            begin = plan.start[task]
            end = begin + visit.services[service].duration
            rest = rests.minutes if ready - 1e-6 <= rests.starts.get(index, -math.inf) < begin else 0.0  # a break is not idle
            scheduled.append(
                ScheduledVisit(
                    visit.id, visit.client_id, begin, end, leg, _idle(begin - ready - leg - rest), plan.tardiness(task),
                    service=service,
                )
            )
            ready, node = end, job
        home = float(matrix[node][jobs + carer_count + index]) if route else 0.0
        end = plan.route_end(index)
        runs.append(
            CarerRun(
                carer_id=carers[index].id,
                visits=tuple(scheduled),
                travel_minutes=sum(s.travel_minutes for s in scheduled) + home,
                idle_minutes=sum(s.idle_minutes for s in scheduled),
                end=end,
                overtime=max(0.0, end - float(problem.carer_end[index])),
                break_start=rests.starts.get(index),
            )
        )
    unassigned = tuple(
        UnassignedVisit(visits[job].id, _unassigned_reason(visits[job], carers)) for job in sorted(plan.unassigned)
    )
    objective = dataclasses.replace(_breakdown(plan), break_minutes=rests.minutes * len(rests.starts))
    return RosterSolution(tuple(runs), unassigned, objective)


def _idle(minutes: float) -> float:
    """Waiting time, with the solver's sub-microsecond time rounding taken as none."""
    return minutes if minutes > 1e-4 else 0.0


# --------------------------------------------------------------------------- re-rostering
def _carer_from(carer: Carer, now: float, started: Sequence[StartedVisit], by_id: dict[str, Visit]) -> Carer:
    """The carer as available from ``now``: after their last started visit, where it was."""
    own = [s for s in started if carer.id in s.carer_ids]
    if own:
        last = max(own, key=lambda s: s.start)
        visit = by_id[last.visit_id]
        return dataclasses.replace(
            carer,
            shift_start=max(now, last.start + visit.services[_service_of(last, visit, carer.id)].duration),
            start_location=visit.location,
            end_location=carer.end_location or carer.start_location,
            shift_end=carer.working_end,
            max_minutes=None,
        )
    return dataclasses.replace(carer, shift_start=max(now, carer.shift_start), shift_end=carer.working_end, max_minutes=None)


def _with_started(
    solution: RosterSolution, started: Sequence[StartedVisit], by_id: dict[str, Visit], carers: Sequence[Carer]
) -> RosterSolution:
    """Put started visits back at the head of their carers' runs."""
    runs = {run.carer_id: run for run in solution.runs}
    for carer in carers:
        own = sorted((s for s in started if carer.id in s.carer_ids), key=lambda s: s.start)
        if not own:
            continue
        fixed = tuple(_started_visit(s, by_id[s.visit_id], _service_of(s, by_id[s.visit_id], carer.id)) for s in own)
        run = runs.get(carer.id)
        if run is None:
            runs[carer.id] = CarerRun(carer.id, fixed, 0.0, 0.0, fixed[-1].end, 0.0)
        else:
            runs[carer.id] = dataclasses.replace(run, visits=fixed + run.visits)
    ordered = tuple(runs[c.id] for c in carers if c.id in runs)
    return dataclasses.replace(solution, runs=ordered)


def _service_of(started: StartedVisit, visit: Visit, carer_id: str) -> int:
    """Which service a carer of a started visit gives: their place in ``carer_ids`` (any extra carer shares the last)."""
    return min(started.carer_ids.index(carer_id), visit.carers_needed - 1)


def _started_visit(started: StartedVisit, visit: Visit, service: int) -> ScheduledVisit:
    """A started visit as it stands in a run, fixed."""
    end = started.start + visit.services[service].duration
    return ScheduledVisit(started.visit_id, visit.client_id, started.start, end, 0.0, 0.0,
                          max(0.0, started.start - visit.latest), fixed=True, service=service)
