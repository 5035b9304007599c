"""Independent checkers for benchmark solutions: feasibility and objective as published.

They share nothing with the solvers on purpose, so a solver bug cannot hide behind its own checker.
Each returns a report with the violations found (code + message) and the objective figures.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a short machine-readable ``code`` and a human message."""

    code: str
    message: str
