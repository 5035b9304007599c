"""The solve itself, as run in a worker process: library inputs in, library solutions out.

Imports only the ``rostering`` library and the standard library, so a freshly spawned worker
starts quickly and never touches the database; the API process loads inputs and stores results.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from rostering.model import Carer, ObjectiveBreakdown, RosterOptions, RosterSolution, StartedVisit, Visit
from rostering.roster import reroster, solve_day

# (fraction done 0..1, day index, seconds into that day's solve, best objective so far)
Progress = Callable[[float, int, float, ObjectiveBreakdown], None]


@dataclass(frozen=True, slots=True)
class DayInput:
    """One day to solve: its visits, the carers, what already started and who is off."""

    visits: tuple[Visit, ...]
    carers: tuple[Carer, ...]
    started: tuple[StartedVisit, ...] = ()
    unavailable: frozenset[str] = frozenset()
    now: float | None = None  # minute of the day for a re-roster; None for a plain solve


@dataclass(frozen=True, slots=True)
class SolveRequest:
    """Consecutive days solved in order, each day's rota counting as history for the next."""

    days: tuple[DayInput, ...]
    options: RosterOptions
    time_limit: float
    history: Mapping[str, frozenset[str]] = field(default_factory=dict)


def solve(request: SolveRequest, progress: Progress | None = None) -> list[RosterSolution]:
    """Solve every day of the request in order; continuity history grows with each solved day."""
    history = {client: set(carers) for client, carers in request.history.items()}
    solutions = []
    count = len(request.days)
    for index, day in enumerate(request.days):
        options = replace(request.options, history={c: frozenset(s) for c, s in history.items()})

        def on_progress(elapsed: float, best: ObjectiveBreakdown, index: int = index) -> None:
            if progress is not None:
                done = (index + min(1.0, elapsed / max(request.time_limit, 1e-6))) / count
                progress(done, index, elapsed, best)

        if day.now is not None or day.started or day.unavailable:
            solution = reroster(
                day.visits, day.carers, day.now or 0.0, started=day.started, unavailable=day.unavailable,
                options=options, time_limit=request.time_limit, progress_callback=on_progress,
            )
        else:
            solution = solve_day(day.visits, day.carers, options, request.time_limit, on_progress)
        solutions.append(solution)
        client_of = {v.id: v.client_id for v in day.visits}
        for run in solution.runs:
            for scheduled in run.visits:
                history.setdefault(client_of[scheduled.visit_id], set()).add(run.carer_id)
    return solutions


class Throttled:
    """Passes progress on at most every ``interval`` seconds (and always the first report)."""

    def __init__(self, forward: Progress, interval: float = 0.5) -> None:
        self.forward = forward
        self.interval = interval
        self.last = -float("inf")

    def __call__(self, done: float, day: int, elapsed: float, best: ObjectiveBreakdown) -> None:
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self.forward(done, day, elapsed, best)

