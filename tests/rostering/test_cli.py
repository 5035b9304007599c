"""``domicare roster solve``: one JSON line on stdout, a solution file, clear errors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from rostering import cli
from rostering.formats import hhcrsp
from rostering.validation.hhcrsp import validate


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="domicare")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


@pytest.mark.usefixtures("compiled")  # compile time is not solve time
def test_hhcrsp_solve_prints_figures_and_writes_a_valid_solution(data_dir: Path, tmp_path: Path, capsys) -> None:
    instance_path = data_dir / "hhcrsp" / "toy.json"
    out = tmp_path / "toy.sol.json"
    assert _run(["roster", "solve", str(instance_path), "--time-limit", "1.5", "--seed", "2", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    assert set(figures) == {"distance_traveled", "total_tardiness", "max_tardiness", "total_cost"}
    assert 111.33 <= figures["total_cost"] <= 111.333 * 1.05  # the optimum is 111.333; gaps are measured in bench/
    progress = [json.loads(line) for line in captured.err.strip().splitlines()]  # not a terminal: JSON lines
    assert {p["task"] for p in progress} == {"roster solve"} and progress[-1]["finished"] is True
    assert any(p.get("solution") == str(out.resolve()) for p in progress), "says where it wrote the solution"
    assert all(round(v, 2) == v for v in figures.values()), "figures are rounded for people"
    instance = hhcrsp.load_instance(instance_path)
    report = validate(instance, hhcrsp.load_solution(instance, out))
    assert report.valid and report.total_cost == pytest.approx(figures["total_cost"], abs=0.005)


def test_solomon_solve_writes_routes(data_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "c101.sol.json"
    assert _run(["roster", "solve", str(data_dir / "solomon" / "c101.json"), "--time-limit", "5", "--out", str(out)]) == 0
    figures = json.loads(capsys.readouterr().out)
    written = json.loads(out.read_text())
    assert figures["vehicles"] == written["vehicles"] == len(written["routes"]) <= 12
    assert sorted(c for r in written["routes"] for c in r) == list(range(1, 101))
    assert written["distance"] == pytest.approx(figures["distance"], abs=0.005)


def test_unreadable_instance_is_a_one_line_error(tmp_path: Path) -> None:
    from domicare.errors import CommandError

    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(CommandError, match="neither a Solomon nor an HHCRSP"):
        _run(["roster", "solve", str(bad)])
