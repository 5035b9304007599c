"""Validator for product rotas (``rostering.model``): the rules a provider's day must keep.

A rota is valid when each service of every visit is given once, by distinct carers, or the visit
is reported unassigned with a reason (never both, never twice); no carer is in two places (each
start leaves time to finish the previous service and travel); no visit starts before its window
opens or before its carer's shift; carers have their service's skills, are not excluded by the
client and are of the gender the client asks for, if any; travel times are each carer's own
mode's; and the two services of a double-handed visit keep its synchronisation. Lateness past a
window's latest start and work past a shift's end are costs (tardiness, overtime), reported as
figures; with hard shift ends no visit may end after its carer's shift end, and with an unpaid-break
rule every carer on a long shift has a break in its window while neither at a visit nor travelling."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rostering.model import BreakRule, Carer, CarerRun, RosterOptions, RosterSolution, ScheduledVisit, Visit
from rostering.roster import travel_matrices, travel_modes
from rostering.travel import HaversineTravel, TravelModel
from rostering.validation import Violation

_EPS = 1e-6  # the solver rounds times up to a 2^-20 minute grid; sums of floats need this slack


@dataclass(frozen=True, slots=True)
class RotaReport:
    """Outcome of validating one rota, with its cost figures recomputed independently."""

    violations: tuple[Violation, ...]
    travel_minutes: float
    total_tardiness: float
    max_tardiness: float
    overtime_minutes: float
    unassigned_visits: int

    @property
    def valid(self) -> bool:
        """True when no rule is broken."""
        return not self.violations


def validate(
    visits: Sequence[Visit],
    carers: Sequence[Carer],
    solution: RosterSolution,
    options: RosterOptions = RosterOptions(),
    travel: TravelModel | None = None,
) -> RotaReport:
    """Check every rule of a solved day (travel times from ``travel``, as the solver had them)."""
    violations: list[Violation] = []
    fail = lambda code, message: violations.append(Violation(code, message))  # noqa: E731
    by_id = {v.id: v for v in visits}
    carer_by_id = {c.id: c for c in carers}
    modes, matrices = travel_matrices(visits, carers, options, travel or HaversineTravel())
    mode_of = travel_modes(carers, options)
    node = {v.id: i for i, v in enumerate(visits)}
    starts: dict[str, list[tuple[str, float]]] = defaultdict(list)
    travel_total = tardiness_total = tardiness_max = overtime_total = 0.0
    for run in solution.runs:
        carer = carer_by_id.get(run.carer_id)
        if carer is None:
            fail("unknown-carer", f"carer {run.carer_id} is not in the day")
            continue
        k = carers.index(carer)
        matrix = matrices[modes.index(mode_of[k])]
        here, ready = len(visits) + k, carer.shift_start
        gaps: list[tuple[float, float, float]] = []  # free from, travel to the next stop, the next stop's start
        for scheduled in run.visits:
            visit = by_id.get(scheduled.visit_id)
            if visit is None:
                fail("unknown-visit", f"visit {scheduled.visit_id} is not in the day")
                continue
            if not 0 <= scheduled.service < visit.carers_needed:
                fail("unknown-service", f"{visit.id} has no service {scheduled.service}")
                continue
            starts[visit.id].append((carer.id, scheduled.service, scheduled.start))
            leg = matrix[here][node[visit.id]]
            if not scheduled.fixed:
                _check_stop(visit, carer, scheduled, ready + leg, fail)
                if options.hard_shift_ends and scheduled.end > carer.working_end + _EPS:
                    fail("shift-end", f"{carer.id} ends {visit.id} at {scheduled.end:.2f}, after their shift ends at {carer.working_end}")
            travel_total += leg
            gaps.append((ready, leg, scheduled.start))
            late = max(0.0, scheduled.start - visit.latest)
            tardiness_total += late
            tardiness_max = max(tardiness_max, late)
            here, ready = node[visit.id], scheduled.start + visit.services[scheduled.service].duration
        if run.visits:
            home = matrix[here][len(visits) + len(carers) + k]
            gaps.append((ready, home, math.inf))
            if options.unpaid_break is not None:
                ready = _check_break(carer, run, gaps, options.unpaid_break, fail)
            travel_total += home
            overtime_total += max(0.0, ready + home - carer.working_end)
    unassigned = {u.visit_id: u.reason for u in solution.unassigned}
    for visit in visits:
        _check_service(visit, starts.get(visit.id, []), unassigned, fail)
    return RotaReport(tuple(violations), travel_total, tardiness_total, tardiness_max, overtime_total, len(unassigned))


def _check_break(carer: Carer, run: CarerRun, gaps: list[tuple[float, float, float]], rule: BreakRule, fail) -> float:  # type: ignore[no-untyped-def]
    """A carer on a long shift has an unpaid break in the window, neither at a visit nor travelling.

    Returns when the carer is free to go home (later when the break comes after the last visit)."""
    free = gaps[-1][0]
    if not rule.owed(carer.shift_start, carer.working_end) or all(v.fixed for v in run.visits):
        return free
    begin = run.break_start
    if begin is None:
        fail("break", f"{carer.id} works a shift over {rule.shift_over:g} minutes without an unpaid break")
        return free
    end = begin + rule.minutes
    if begin < rule.earliest - _EPS or end > rule.latest + _EPS:
        fail("break", f"{carer.id}'s break at {begin:.2f} is outside the window {rule.earliest:g}-{rule.latest:g}")
    if not any(start - _EPS <= begin and end + leg <= until + _EPS for start, leg, until in gaps):
        fail("break", f"{carer.id}'s break at {begin:.2f} overlaps a visit or the travel to one")
    return max(free, end) if gaps[-1][0] - _EPS <= begin else free


def _check_stop(visit: Visit, carer: Carer, scheduled: ScheduledVisit, reachable: float, fail) -> None:  # type: ignore[no-untyped-def]
    """One carer's stop: on time for travel, window opening, shift, skills and exclusions."""
    start, skills = scheduled.start, visit.services[scheduled.service].skills
    if start < reachable - _EPS:
        fail("two-places", f"{carer.id} starts {visit.id} at {start:.2f} but cannot be there before {reachable:.2f}")
    if start < visit.earliest - _EPS:
        fail("early", f"{carer.id} starts {visit.id} at {start:.2f}, before its window opens at {visit.earliest}")
    if not skills <= carer.skills:
        fail("skill", f"{carer.id} lacks {sorted(skills - carer.skills)} for {visit.id}")
    if visit.client_id in carer.excluded_clients:
        fail("excluded", f"{carer.id} is excluded from client {visit.client_id} ({visit.id})")
    if visit.carer_gender is not None and carer.gender != visit.carer_gender:
        fail("gender", f"{visit.id} asks for a {visit.carer_gender} carer; {carer.id} is not")


def _check_service(visit: Visit, served: list[tuple[str, int, float]], unassigned: dict[str, str], fail) -> None:  # type: ignore[no-untyped-def]
    """Each service given once, by distinct carers, in sync, or the visit reported unassigned with a reason."""
    if visit.id in unassigned:
        if served:
            fail("assigned-and-unassigned", f"{visit.id} is both in a run and reported unassigned")
        elif not unassigned[visit.id].strip():
            fail("no-reason", f"{visit.id} is unassigned without a reason")
        return
    if sorted(s for _, s, _ in served) != list(range(visit.carers_needed)) or len({c for c, _, _ in served}) != len(served):
        fail("carers", f"{visit.id} needs {visit.carers_needed} distinct carers, one per service, has {[c for c, _, _ in served]}")
        return
    if visit.carers_needed == 2:
        first, second = (start for _, _, start in sorted(served, key=lambda entry: entry[1]))
        if visit.sync == "simultaneous" and abs(second - first) > _EPS:
            fail("sync", f"{visit.id}: carers start at {first:.2f} and {second:.2f}, not together")
        if visit.sync == "sequential" and not (visit.gap_min - _EPS <= second - first <= visit.gap_max + _EPS):
            fail("sync", f"{visit.id}: second service starts {second - first:.2f} after the first, outside the gap")
