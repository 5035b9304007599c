"""Solomon validator on hand-made cases and the OR-Tools solver on the handed instances."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostering.formats.solomon import SolomonSolution, parse_instance, load_instance
from rostering.solvers.solomon import solve
from rostering.validation.solomon import validate


def _tiny():
    # Depot at the origin, two customers 3-4-5 apart; customer 2 closes at 10.
    return parse_instance(
        {
            "instance": "tiny",
            "vehicle-nr": 2,
            "capacity": 10,
            "customers": [
                {"id": 0, "x": 0, "y": 0, "demand": 0, "earliest": 0, "latest": 100, "cost": 0},
                {"id": 1, "x": 3, "y": 0, "demand": 6, "earliest": 0, "latest": 50, "cost": 1},
                {"id": 2, "x": 3, "y": 4, "demand": 6, "earliest": 0, "latest": 10, "cost": 1},
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


@pytest.mark.parametrize(("name", "vehicles", "distance"), [("c101", 10, 828.94), ("c201", 3, 591.56)])
def test_clustered_instances_reach_best_known_fleet(data_dir: Path, name: str, vehicles: int, distance: float) -> None:
    instance = load_instance(data_dir / "solomon" / f"{name}.json")
    report = validate(instance, solve(instance, time_limit=4.0))
    assert report.valid, report.violations
    assert report.vehicles == vehicles
    assert report.distance <= distance * 1.02
