"""Solomon validator on hand-made cases and the PyVRP solver on a tiny case and a handed instance.

Solver tests assert validity and sane bounds only: how close to best-known is measured in bench/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rostering.formats.solomon import SolomonSolution, parse_instance, load_instance
from rostering.solvers.solomon import solve
from rostering.validation.solomon import validate


def _tiny(latest_2: float = 10):
    # Depot at the origin, two customers 3-4-5 apart; customer 2 closes at 10 unless told.
    return parse_instance(
        {
            "instance": "tiny",
            "vehicle-nr": 2,
            "capacity": 10,
            "customers": [
                {"id": 0, "x": 0, "y": 0, "demand": 0, "earliest": 0, "latest": 100, "cost": 0},
                {"id": 1, "x": 3, "y": 0, "demand": 6, "earliest": 0, "latest": 50, "cost": 1},
                {"id": 2, "x": 3, "y": 4, "demand": 6, "earliest": 0, "latest": latest_2, "cost": 1},
            ],
        }
    )


def test_two_single_routes_are_valid_with_real_distance() -> None:
    report = validate(_tiny(), SolomonSolution(((1,), (2,))))
    assert report.valid
    assert report.vehicles == 2
    assert report.distance == pytest.approx(6 + 10)


def test_one_route_breaks_capacity_and_window() -> None:
    report = validate(_tiny(), SolomonSolution(((1, 2),)))
    # load 12 > 10; customer 2 reached at 3 + 1 + 4 = 8 (on time) so only capacity fails
    assert {v.code for v in report.violations} == {"capacity"}
    late = validate(_tiny(), SolomonSolution(((2, 1),)))
    assert "capacity" in {v.code for v in late.violations}


def test_late_arrival_and_missing_customer_are_reported() -> None:
    tiny = parse_instance(
        {
            "capacity": 100,
            "customers": [
                {"id": 0, "x": 0, "y": 0, "demand": 0, "earliest": 0, "latest": 100, "cost": 0},
                {"id": 1, "x": 3, "y": 0, "demand": 1, "earliest": 0, "latest": 50, "cost": 20},
                {"id": 2, "x": 3, "y": 4, "demand": 1, "earliest": 0, "latest": 10, "cost": 1},
            ],
        }
    )
    # 1 then 2: reach 2 at 3 + 20 + 4 = 27 > 10
    assert {v.code for v in validate(tiny, SolomonSolution(((1, 2),))).violations} == {"late"}
    assert {v.code for v in validate(tiny, SolomonSolution(((1,),))).violations} == {"unserved"}


def test_tiny_instance_needs_two_vehicles_and_reports_its_first_solution() -> None:
    # Customer 2's window widened so one vehicle could reach both, but the capacity forbids it.
    seen: list[float] = []
    solution = solve(_tiny(latest_2=50), time_limit=1.0, on_improve=lambda elapsed, _: seen.append(elapsed))
    report = validate(_tiny(latest_2=50), solution)
    assert report.valid, report.violations
    assert report.vehicles == 2  # 6 + 6 exceeds the capacity of 10
    assert report.distance == pytest.approx(6 + 10)
    assert seen


def test_handed_instance_solution_is_valid_within_the_fleet(data_dir: Path) -> None:
    instance = load_instance(data_dir / "solomon" / "c101.json")
    report = validate(instance, solve(instance, time_limit=5.0))
    assert report.valid, report.violations
    assert 10 <= report.vehicles <= instance.vehicles
    assert report.distance >= 828.9  # never below the best-known distance for 10 vehicles


def test_an_impossible_window_is_an_error_not_an_answer() -> None:
    impossible = parse_instance(
        {
            "capacity": 10,
            "customers": [
                {"id": 0, "x": 0, "y": 0, "demand": 0, "earliest": 0, "latest": 100, "cost": 0},
                {"id": 1, "x": 30, "y": 40, "demand": 1, "earliest": 0, "latest": 10, "cost": 0},
            ],
        }
    )
    with pytest.raises(ValueError, match="no feasible solution"):
        solve(impossible, time_limit=0.5)
