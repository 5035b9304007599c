"""The solver-neutral routing problem shared by the benchmark adapter and the product API.

A *job* is one visit; it holds one *task* per carer it needs (one, or two for double-handed
visits). Two tasks of a job are synchronised: simultaneous starts, or the second starting
between ``gap_min`` and ``gap_max`` after the first. Windows constrain the start: ``earliest`` is
hard, ``latest`` is soft (tardiness). Carer shift ends are soft (overtime).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

SyncKind = Literal["none", "simultaneous", "sequential"]


@dataclass(frozen=True, slots=True)
class Task:
    """One carer's part of a job."""

    job: int
    node: int
    earliest: float
    latest: float
    duration: float
    carers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Job:
    """A visit: its tasks (1 or 2), their synchronisation, and the cost of leaving it out."""

    tasks: tuple[int, ...]
    sync: SyncKind = "none"
    gap_min: float = 0.0
    gap_max: float = 0.0
    penalty: float | None = None  # None: the job must be served


@dataclass(frozen=True, slots=True)
class Shift:
    """A carer's working day: where it starts and ends, and when."""

    start_node: int
    end_node: int
    start: float = 0.0
    end: float = math.inf
    profile: int = 0  # which travel matrix applies (the carer's mode of travel)


@dataclass(frozen=True, slots=True)
class Weights:
    """Objective weights; the HHCRSP benchmark uses 1 for travel and both tardiness terms."""

    travel: float = 1.0
    total_tardiness: float = 1.0
    max_tardiness: float = 1.0
    overtime: float = 0.0


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the search needs; ``travel[profile][a][b]`` is both the time and the travel cost."""

    tasks: tuple[Task, ...]
    jobs: tuple[Job, ...]
    shifts: tuple[Shift, ...]
    travel: Sequence[Sequence[Sequence[float]]]
    weights: Weights = field(default_factory=Weights)
    assignment_cost: Mapping[tuple[int, int], float] = field(default_factory=dict)  # (task, carer) → cost
