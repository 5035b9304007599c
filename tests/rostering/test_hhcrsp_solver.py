"""The compiled ruin-and-recreate search on HHCRSP instances: valid, sane, and its costs exact.

Solver tests assert validity and loose bounds only; how close to best-known is measured in bench/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rostering.formats import hhcrsp
from rostering.solvers import engine, kernels
from rostering.solvers.hhcrsp import build_problem, solve
from rostering.validation.hhcrsp import validate

pytestmark = pytest.mark.usefixtures("compiled")


def test_toy_is_solved_validly_near_its_optimum(data_dir: Path) -> None:
    instance = hhcrsp.load_instance(data_dir / "hhcrsp" / "toy.json")
    report = validate(instance, solve(instance, time_limit=2.0))
    assert report.valid
    assert 111.333 <= report.total_cost <= 111.3334 * 1.05


@pytest.mark.parametrize(("name", "best_known"), [("InstanzCPLEX_HCSRP_10_1", 218.199), ("InstanzCPLEX_HCSRP_10_2", 246.627)])
def test_ten_patients_valid_and_within_a_loose_bound(data_dir: Path, name: str, best_known: float) -> None:
    instance = hhcrsp.load_instance(data_dir / "hhcrsp" / f"{name}.json")
    report = validate(instance, solve(instance, time_limit=2.0, seed=1))
    assert report.valid, report.violations
    assert best_known - 1e-3 <= report.total_cost <= best_known * 1.10


def test_an_expired_limit_still_answers_with_a_valid_solution(data_dir: Path) -> None:
    instance = hhcrsp.load_instance(data_dir / "hhcrsp" / "InstanzCPLEX_HCSRP_25_1.json")
    report = validate(instance, solve(instance, time_limit=0.0))
    assert report.valid, report.violations


def test_insertion_deltas_are_exact(data_dir: Path) -> None:
    """Remove and reinsert many times: each insertion's delta equals the change of the full objective."""
    instance = hhcrsp.load_instance(data_dir / "hhcrsp" / "InstanzCPLEX_HCSRP_25_1.json")
    problem = build_problem(instance)
    data = engine.pack(problem)
    state = engine._empty_state(problem)
    work, buffers = engine._work(problem)
    jobs = np.arange(problem.jobs, dtype=np.int64)
    kernels.recreate(data, state, work, buffers, jobs, len(jobs), 0.0, 0.0)
    rng = np.random.default_rng(3)
    for _ in range(30):
        removed = rng.choice(problem.jobs, 6, replace=False)
        for job in removed:
            kernels.remove_job(data, state, job)
        assert kernels.schedule(data, state)
        for job in removed:
            before = kernels.terms(data, state)
            delta, ka, pa, kb, pb = kernels.best_insertion(data, state, work, buffers, before[2], job, 0.0)
            a, b = data[8][job]
            kernels.apply_insertion(data, state, work, a, ka, pa, b, kb, pb)
            after = kernels.terms(data, state)
            assert kernels.cost_of(data, after) - kernels.cost_of(data, before) == pytest.approx(delta - data[9][job], abs=1e-3)
            assert kernels.schedule(data, state)
            assert kernels.cost_of(data, kernels.terms(data, state)) == pytest.approx(kernels.cost_of(data, after), abs=1e-6)
    schedule = engine._read(problem, data, state)
    assert schedule.complete
