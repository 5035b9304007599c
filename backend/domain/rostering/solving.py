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



@dataclass(frozen=True, slots=True)
class SolveProgress:
    """Where a solve is: what the job's route shows while it runs."""

    fraction: float  # done, 0..1, by the clock
    day: int  # index of the day being solved
    elapsed: float  # seconds into that day's solve
    best: ObjectiveBreakdown | None  # the day's best valid rota so far; None until the first one exists
    stage: str  # what that day's solve is doing, in words ("searching 7 patches", ...)
    first_valid: float | None = None  # seconds into the day's solve when its first valid rota was found


Progress = Callable[[SolveProgress], None]


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
    """Solve every day of the request in order; continuity history grows with each solved day.

    ``progress`` hears each day's stages as they start and each better rota as it is found.
    """
    history = {client: set(carers) for client, carers in request.history.items()}
    solutions = []
    count = len(request.days)
    for index, day in enumerate(request.days):
        options = replace(request.options, history={c: frozenset(s) for c, s in history.items()})
        heard = _DayProgress(progress, index, count, request.time_limit)
        if day.now is not None or day.started or day.unavailable:
            solution = reroster(
                day.visits, day.carers, day.now or 0.0, started=day.started, unavailable=day.unavailable,
                options=options, time_limit=request.time_limit, progress_callback=heard.improved,
                stage_callback=heard.staged,
            )
        else:
            solution = solve_day(day.visits, day.carers, options, request.time_limit, heard.improved,
                                 stage_callback=heard.staged)
        solutions.append(solution)
        client_of = {v.id: v.client_id for v in day.visits}
        for run in solution.runs:
            for scheduled in run.visits:
                history.setdefault(client_of[scheduled.visit_id], set()).add(run.carer_id)
    return solutions


class _DayProgress:
    """One day's solve as the library reports it (better rotas, stages), passed on as :class:`SolveProgress`."""

    def __init__(self, progress: Progress | None, index: int, count: int, time_limit: float) -> None:
        self.progress, self.index, self.count, self.time_limit = progress, index, count, time_limit
        self.began = time.monotonic()
        self.best: ObjectiveBreakdown | None = None
        self.first_valid: float | None = None
        self.stage = "starting"

    def improved(self, _elapsed: float, best: ObjectiveBreakdown) -> None:
        """The library found a better valid rota."""
        if self.first_valid is None:
            self.first_valid = time.monotonic() - self.began
        self.best = best
        self._tell()

    def staged(self, stage: str) -> None:
        """The library started a phase."""
        self.stage = stage
        self._tell()

    def _tell(self) -> None:
        if self.progress is not None:
            elapsed = time.monotonic() - self.began
            done = (self.index + min(1.0, elapsed / max(self.time_limit, 1e-6))) / self.count
            self.progress(SolveProgress(done, self.index, elapsed, self.best, self.stage, self.first_valid))


class Throttled:
    """Passes progress on at most every ``interval`` seconds, but always a new stage or day and the first rota.

    A report held back is never sent later, so a report that changes what the job's route shows
    (a phase lasting minutes, the first valid rota) must pass at once.
    """

    def __init__(self, forward: Progress, interval: float = 0.5) -> None:
        self.forward = forward
        self.interval = interval
        self.last = -float("inf")
        self.shown: tuple[int, str, bool] | None = None

    def __call__(self, report: SolveProgress) -> None:
        now = time.monotonic()
        shown = (report.day, report.stage, report.best is not None)
        if shown != self.shown or now - self.last >= self.interval:
            self.last, self.shown = now, shown
            self.forward(report)

