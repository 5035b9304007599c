"""The product rota validator: solver output passes, and each broken rule is named."""

from __future__ import annotations

import dataclasses

import pytest

from rostering.model import RosterSolution, UnassignedVisit
from rostering.roster import solve_day
from rostering.validation.roster import validate
from tests.rostering.test_roster_api import _carer, _visit

pytestmark = pytest.mark.usefixtures("compiled")


def _day():
    visits = [
        _visit("wash", 480, required_skills=frozenset({"personal_care"})),
        _visit("hoist", 540, carers_needed=2, required_skills=frozenset({"hoist"})),
        _visit("meds", 600, client_id="refuses-bob", required_skills=frozenset({"meds"})),
        _visit("later", 700, carers_needed=2, sync="sequential", gap_min=10, gap_max=20),
    ]
    carers = [
        _carer("ann", {"personal_care", "hoist", "meds"}),
        _carer("bob", {"hoist", "meds"}, excluded_clients=frozenset({"refuses-bob"})),
        _carer("cy", {"personal_care"}),
    ]
    return visits, carers


def _codes(visits, carers, solution: RosterSolution) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.code for v in validate(visits, carers, solution).violations}


def test_the_solvers_rota_is_valid_and_its_figures_match() -> None:
    visits, carers = _day()
    solution = solve_day(visits, carers, time_limit=0.5)
    report = validate(visits, carers, solution)
    assert report.valid, report.violations
    assert report.unassigned_visits == 0
    assert report.travel_minutes == pytest.approx(solution.objective.travel_minutes, abs=1e-6)
    assert report.total_tardiness == pytest.approx(solution.objective.total_tardiness, abs=1e-6)


def test_each_broken_rule_is_reported() -> None:
    visits, carers = _day()
    solution = solve_day(visits, carers, time_limit=0.5)
    runs = {run.carer_id: run for run in solution.runs}
    # Give every stop of ann's run to cy, who lacks the skills ann's visits need.
    swapped = dataclasses.replace(solution, runs=tuple(
        dataclasses.replace(r, carer_id="cy" if r.carer_id == "ann" else "ann" if r.carer_id == "cy" else r.carer_id)
        for r in solution.runs
    ))
    assert "skill" in _codes(visits, carers, swapped)
    # Starting every stop an hour early breaks the windows.
    early = dataclasses.replace(solution, runs=tuple(
        dataclasses.replace(r, visits=tuple(dataclasses.replace(s, start=s.start - 60) for s in r.visits)) for r in solution.runs
    ))
    assert "early" in _codes(visits, carers, early)
    # Dropping a run leaves its visits neither served nor reported.
    dropped = dataclasses.replace(solution, runs=tuple(r for r in solution.runs if r.carer_id != "ann"))
    assert "carers" in _codes(visits, carers, dropped)
    # Reporting a served visit as unassigned too, or without a reason.
    both = dataclasses.replace(solution, unassigned=(UnassignedVisit("wash", "because"),))
    assert "assigned-and-unassigned" in _codes(visits, carers, both)
    silent = dataclasses.replace(dropped, unassigned=tuple(UnassignedVisit(s.visit_id, " ") for s in runs["ann"].visits))
    assert "no-reason" in _codes(visits, carers, silent)


def test_sync_and_exclusion_breaks_are_reported() -> None:
    visits, carers = _day()
    solution = solve_day(visits, carers, time_limit=0.5)
    assert "sync" in _codes(visits, carers, dataclasses.replace(solution, runs=_shift_one(solution, "hoist", 5)))
    holder = next(r.carer_id for r in solution.runs if any(s.visit_id == "meds" for s in r.visits))
    renamed = {holder: "bob", "bob": holder}
    given_to_bob = dataclasses.replace(solution, runs=tuple(
        dataclasses.replace(r, carer_id=renamed.get(r.carer_id, r.carer_id)) for r in solution.runs
    ))
    assert "excluded" in _codes(visits, carers, given_to_bob)
    asking = [dataclasses.replace(v, carer_gender="female") if v.id == "meds" else v for v in visits]
    assert "gender" in _codes(asking, carers, solution)  # no carer here says she is female


def _shift_one(solution: RosterSolution, visit_id: str, minutes: float):  # type: ignore[no-untyped-def]
    """The runs with the first carer's stop at ``visit_id`` moved by ``minutes`` (its partner stays)."""
    done = False
    runs = []
    for run in solution.runs:
        stops = []
        for s in run.visits:
            if s.visit_id == visit_id and not done:
                s, done = dataclasses.replace(s, start=s.start + minutes), True
            stops.append(s)
        runs.append(dataclasses.replace(run, visits=tuple(stops)))
    return tuple(runs)
