"""Request and response shapes of the rostering area."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, TypedDict

import msgspec

from backend.domain.rostering.models import RosterJob

Minutes = Annotated[int, msgspec.Meta(ge=0, le=24 * 60)]
Weight = Annotated[float, msgspec.Meta(ge=0, le=1_000_000)]


class RosterWeights(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """Objective weights; any left out keep the library's defaults."""

    travel: Weight | None = None
    tardiness: Weight | None = None
    max_tardiness: Weight | None = None
    overtime: Weight | None = None
    unassigned: Weight | None = None
    continuity: Weight | None = None


class UnpaidBreak(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A break owed to carers whose shift is longer than ``shift_over_minutes``: ``minutes`` long, between
    ``earliest_minute`` and ``latest_minute`` of the day, while neither at a visit nor travelling."""

    shift_over_minutes: Minutes = 6 * 60
    minutes: Annotated[int, msgspec.Meta(ge=1, le=120)] = 30
    earliest_minute: Minutes = 11 * 60
    latest_minute: Minutes = 15 * 60


class RosterRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What to solve: a provider's day (or up to a week, for continuity), or a re-roster of today."""

    date: date
    days: Annotated[int, msgspec.Meta(ge=1, le=7)] = 1
    time_limit_s: Annotated[float, msgspec.Meta(ge=1, le=600)] = 15.0  # the demo day (3 providers) fits in a minute
    reroster: bool = False
    unavailable_carer_ids: list[int] = []
    now: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    window_before_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 15
    window_after_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 15
    shift_start_minute: Minutes = 6 * 60 + 30
    shift_end_minute: Minutes = 22 * 60 + 30
    weights: RosterWeights | None = None
    hard_shift_ends: bool = False  # no visit ends after its carer's shift end: what does not fit is left out
    unpaid_break: UnpaidBreak | None = None
    seed: int = 0

    def params(self) -> dict[str, Any]:
        """The job's stored parameters (plain JSON)."""
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


class RosterSummary(TypedDict):
    """A roster job without its result: what a list shows and what queuing one answers."""

    id: int
    provider_id: int
    date: date
    days: int
    reroster: bool
    status: str
    progress: float  # 0..1
    stage: str | None  # in words: "waiting for a solver", "solving day 2 of 7: searching 7 patches", ...
    created_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    published_at: datetime | None
    published_by: int | None
    error: str | None


class RosterOut(RosterSummary):
    """A roster job with its parameters, objective, runs, unassigned visits and (once published) its diff."""

    params: dict[str, Any]
    objective: dict[str, Any] | None
    best_so_far: dict[str, Any] | None  # while it runs: the best valid rota's objective so far (day ``day``)
    first_valid_s: float | None  # seconds from the job's start to its first valid rota (day 1), once there is one
    solve_seconds: float | None
    days_summary: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    diff: dict[str, Any] | None


def roster_summary(job: RosterJob) -> RosterSummary:
    """A job without its result: what a list shows."""
    return {
        "id": job.id, "provider_id": job.provider_id, "date": job.roster_date, "days": job.days,
        "reroster": job.reroster, "status": str(job.status), "progress": job.progress,
        "stage": job.stage,
        "created_by": job.created_by, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "published_at": job.published_at, "published_by": job.published_by,
        "error": job.error,
    }


def roster_out(job: RosterJob) -> RosterOut:
    """A job with its parameters, result and (once published) the diff against the previous rota."""
    body: RosterOut = roster_summary(job)  # type: ignore[assignment]
    result = job.result or {}
    days = result.get("days", [])
    body.update({
        "params": job.params,
        "objective": result.get("objective"),
        "best_so_far": result.get("best_so_far"),
        "first_valid_s": result.get("first_valid_s"),
        "solve_seconds": result.get("solve_seconds"),
        "days_summary": [
            {k: d.get(k) for k in ("date", "objective", "current_rota", "visits", "carers_available", "carers_used")}
            | {"unassigned": len(d["unassigned"]), "started_visits": len(d["started_visits"]),
               "past_visits": len(d.get("past_visits", []))}
            for d in days
        ],
        "unassigned": [{"date": d["date"], **u} for d in days for u in d["unassigned"]],
        "runs": [{"date": d["date"], **r} for d in days for r in d["runs"]],
        "diff": job.diff or None,
    })
    return body
