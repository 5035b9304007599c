"""Solve a benchmark instance file of either format and check the result independently.

Shared by ``domicare roster solve`` and ``bench/rostering.py``: the format is detected from the
content, the matching solver runs, and the figures reported are the validator's, not the solver's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rostering.formats import InstanceFormat, detect_format

Figures = dict[str, float]
ProgressSink = Callable[[float, Figures], None]


class InstanceError(ValueError):
    """The file is not a readable Solomon or HHCRSP instance."""


@dataclass(frozen=True, slots=True)
class SolveResult:
    """A checked solution of one instance."""

    format: InstanceFormat
    name: str
    figures: Figures
    document: dict[str, Any]
    violations: tuple[str, ...]

    @property
    def valid(self) -> bool:
        """True when the independent validator found nothing wrong."""
        return not self.violations


def read_instance(path: Path) -> tuple[InstanceFormat, dict[str, Any]]:
    """Parse the file and detect its format."""
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InstanceError(f"cannot read {path}: {exc}") from exc
    kind = detect_format(document)
    if kind is None:
        raise InstanceError(f"{path} is neither a Solomon nor an HHCRSP instance")
    return kind, document


def solve_file(path: Path, time_limit: float, seed: int = 0, progress: ProgressSink | None = None) -> SolveResult:
    """Solve the instance in ``path`` within ``time_limit`` seconds and validate the result.

    The limit counts from this call: reading, imports and packing are paid from it.
    """
    deadline = time.monotonic() + time_limit
    kind, document = read_instance(path)
    try:
        if kind == "solomon":
            return _solve_solomon(document, path.stem, deadline, seed, progress)
        return _solve_hhcrsp(document, path.stem, deadline, seed, progress)
    except (KeyError, TypeError, IndexError) as exc:
        raise InstanceError(f"{path}: malformed {kind} instance ({exc!r})") from exc


def _solve_solomon(document: dict[str, Any], name: str, deadline: float, seed: int, progress: ProgressSink | None) -> SolveResult:
    from rostering.formats import solomon
    from rostering.solvers import solomon as solver
    from rostering.validation import solomon as validator

    instance = solomon.parse_instance(document, name)

    def on_improve(elapsed: float, solution: solomon.SolomonSolution) -> None:
        if progress is not None:
            progress(elapsed, validator.validate(instance, solution).figures())

    solution = solver.solve(instance, max(0.0, deadline - time.monotonic()), seed, on_improve)
    report = validator.validate(instance, solution)
    return SolveResult(
        "solomon", instance.name, report.figures(), solomon.solution_document(instance, solution),
        tuple(f"{v.code}: {v.message}" for v in report.violations),
    )


def _solve_hhcrsp(document: dict[str, Any], name: str, deadline: float, seed: int, progress: ProgressSink | None) -> SolveResult:
    from rostering.formats import hhcrsp
    from rostering.roster import to_solution
    from rostering.solvers import hhcrsp as solver
    from rostering.solvers.engine import Schedule
    from rostering.validation import hhcrsp as validator

    instance = hhcrsp.parse_instance(document, name)

    def on_improve(elapsed: float, plan: Schedule) -> None:
        if progress is not None:
            progress(elapsed, validator.validate(instance, to_solution(plan, instance.visits, instance.carers)).figures())

    solution = solver.solve(instance, max(0.0, deadline - time.monotonic()), seed, on_improve)
    report = validator.validate(instance, solution)
    return SolveResult(
        "hhcrsp", instance.name, report.figures(), hhcrsp.solution_document(instance, solution),
        tuple(f"{v.code}: {v.message}" for v in report.violations),
    )
