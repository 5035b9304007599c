"""The ruin-and-recreate search on HHCRSP instances: valid, near best-known, costs exact."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from rostering.formats import hhcrsp
from rostering.solvers.hhcrsp import build_problem, solve, to_solution
from rostering.solvers.search import construct, recreate
from rostering.validation.hhcrsp import validate


def test_toy_reaches_the_optimum(data_dir: Path) -> None:
    instance = hhcrsp.load_instance(data_dir / "hhcrsp" / "toy.json")
    report = validate(instance, solve(instance, time_limit=2.0))
    assert report.valid
    assert report.total_cost == pytest.approx(111.3333, abs=1e-3)


@pytest.mark.parametrize(("name", "best_known"), [("InstanzCPLEX_HCSRP_10_1", 218.199), ("InstanzCPLEX_HCSRP_10_2", 246.627)])
def test_ten_patients_within_one_percent_of_best_known(data_dir: Path, name: str, best_known: float) -> None:
    instance = hhcrsp.load_instance(data_dir / "hhcrsp" / f"{name}.json")
    report = validate(instance, solve(instance, time_limit=3.0, seed=1))
    assert report.valid, report.violations
    assert report.total_cost <= best_known * 1.01


def test_incremental_costs_match_a_full_evaluation(data_dir: Path) -> None:
    """Insert/remove many times; the running objective must equal a recomputation from scratch."""
    instance = hhcrsp.load_instance(data_dir / "hhcrsp" / "InstanzCPLEX_HCSRP_25_1.json")
    plan = construct(build_problem(instance))
    rng = random.Random(3)
    for _ in range(30):
        removed = rng.sample(range(len(instance.patients)), 6)
        for job in removed:
            plan.remove_job(job)
        assert plan.evaluate()
        recreate(plan, removed)
        incremental = plan.cost
        assert plan.evaluate()
        assert incremental == pytest.approx(plan.cost, rel=1e-9, abs=1e-6)
        report = validate(instance, to_solution(instance, plan))
        assert report.valid, report.violations
        assert 3 * report.total_cost == pytest.approx(plan.cost, rel=1e-6)
