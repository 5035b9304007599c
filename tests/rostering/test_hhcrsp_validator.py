"""The HHCRSP validator on the published toy optimum and on hand-broken copies of it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rostering.formats import hhcrsp
from rostering.model import CarerRun, RosterSolution, ScheduledVisit
from rostering.validation.hhcrsp import validate


@pytest.fixture()
def toy(data_dir: Path) -> tuple[hhcrsp.HhcrspInstance, RosterSolution]:
    folder = data_dir / "hhcrsp"
    instance = hhcrsp.load_instance(folder / "toy.json")
    return instance, hhcrsp.load_solution(instance, folder / "sol_toy_optimal.json")


def _edit(solution: RosterSolution, caregiver: str, index: int, **changes: object) -> RosterSolution:
    runs = []
    for run in solution.runs:
        stops = list(run.visits)
        if run.carer_id == caregiver:
            stops[index] = dataclasses.replace(stops[index], **changes)
        runs.append(dataclasses.replace(run, visits=tuple(stops)))
    return dataclasses.replace(solution, runs=tuple(runs))


def _runs(solution: RosterSolution, *runs: tuple[str, tuple[ScheduledVisit, ...]]) -> RosterSolution:
    """The solution with these runs (only carers and stops matter to the validator)."""
    return dataclasses.replace(solution, runs=tuple(CarerRun(carer, stops, 0.0, 0.0, 0.0, 0.0) for carer, stops in runs))


def _stop(patient: str, service: int, start: float, end: float) -> ScheduledVisit:
    return ScheduledVisit(patient, patient, start, end, 0.0, 0.0, 0.0, service=service)


def _codes(instance: hhcrsp.HhcrspInstance, solution: RosterSolution) -> set[str]:
    return {v.code for v in validate(instance, solution).violations}


def test_toy_optimum_is_valid_and_costs_111_333(toy) -> None:
    instance, solution = toy
    report = validate(instance, solution)
    assert report.valid
    assert report.distance_traveled == 334.0
    assert report.total_tardiness == 0.0 and report.max_tardiness == 0.0
    assert report.total_cost == pytest.approx(111.333333, abs=1e-5)


def test_broken_simultaneous_start_is_a_sync_violation(toy) -> None:
    instance, solution = toy
    # c1 starts p4 one minute after c2: p4 needs both at once.
    late = _edit(solution, "c1", 0, start=121.0, end=151.0)
    assert _codes(instance, late) == {"sync"}


def test_sequential_gap_too_long_is_a_sync_violation(toy) -> None:
    instance, solution = toy
    # p5: s3 must start 30..45 after s1 (275); 330 is 55 after.
    wide = _edit(solution, "c3", 2, start=330.0, end=360.0)
    assert "sync" in _codes(instance, wide)


def test_tardiness_is_start_past_latest(toy) -> None:
    instance, solution = toy
    # p6 window ends at 420; s3 at 430 is 10 late and still 70 after s1 (gap 60..90).
    late = _edit(solution, "c2", 2, start=430.0, end=450.0)
    report = validate(instance, late)
    assert report.valid
    assert report.tardiness[("p6", "s3")] == 10.0
    assert (report.total_tardiness, report.max_tardiness) == (10.0, 10.0)
    assert report.total_cost == pytest.approx((334 + 10 + 10) / 3)


def test_arriving_faster_than_the_distance_is_a_travel_violation(toy) -> None:
    instance, solution = toy
    # c3 needs 56 from the office to p3; starting at 50 is impossible.
    early = _edit(solution, "c3", 0, start=50.0, end=95.0)
    assert _codes(instance, early) == {"travel"}


def test_caregiver_without_the_ability_is_a_skill_violation(toy) -> None:
    instance, solution = toy
    # c2 can only do s3; give it p2's service relabelled s2 → unrequired, and swap in a real s2 job.
    c1, c2, c3 = solution.runs
    moved = (c3.visits[1], *c2.visits)  # p1/s2 moved to c2, which lacks s2
    codes = _codes(instance, _runs(solution, ("c1", c1.visits), ("c2", moved), ("c3", (c3.visits[0], c3.visits[2]))))
    assert "skill" in codes


def test_missing_service_is_unserved(toy) -> None:
    instance, solution = toy
    c1, c2, c3 = solution.runs
    dropped = _runs(solution, ("c1", c1.visits), ("c2", c2.visits), ("c3", c3.visits[:2]))
    assert _codes(instance, dropped) == {"unserved"}


def test_double_service_by_one_caregiver_is_rejected() -> None:
    instance = hhcrsp.parse_instance(
        {
            "patients": [
                {
                    "id": "p1",
                    "time_window": [0, 100],
                    "required_caregivers": [{"service": "s1", "duration": 10}, {"service": "s2", "duration": 10}],
                    "synchronization": {"type": "sequential", "distance": [10, 60]},
                }
            ],
            "services": [{"id": "s1", "default_duration": 10}, {"id": "s2", "default_duration": 10}],
            "caregivers": [{"id": "c1", "abilities": ["s1", "s2"]}, {"id": "c2", "abilities": ["s2"]}],
            "central_offices": [{"id": "d"}],
            "distances": [[0, 5], [5, 0]],
        }
    )
    empty = hhcrsp.parse_solution(instance, {"routes": []})
    alone = _runs(empty, ("c1", (_stop("p1", 0, 5.0, 15.0), _stop("p1", 1, 20.0, 30.0))))
    assert _codes(instance, alone) == {"same-caregiver"}
    shared = _runs(empty, ("c1", (_stop("p1", 0, 5.0, 15.0),)), ("c2", (_stop("p1", 1, 20.0, 30.0),)))
    assert validate(instance, shared).valid
    assert validate(instance, shared).total_cost == pytest.approx(20 / 3)


def test_start_before_window_is_early(toy) -> None:
    instance, solution = toy
    # p1 opens at 240; c3 starting it at 235 (travel allows it) is too early.
    early = _edit(solution, "c3", 1, start=235.0, end=265.0)
    assert "early" in _codes(instance, early)
