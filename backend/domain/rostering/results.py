"""Turn the library's solutions into the JSON kept on the roster job and shown by the API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from rostering.model import ObjectiveBreakdown, RosterSolution

from backend.domain.rostering.comparison import current_rota_figures
from backend.domain.rostering.inputs import DayContext, LoadedRoster, moment_of
from shared.timekeeping import as_utc


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def _round(value: float) -> float:
    return round(float(value), 2)


def objective_out(objective: ObjectiveBreakdown) -> dict[str, Any]:
    """The objective terms, rounded for display."""
    return {k: (_round(v) if isinstance(v, float) else v) for k, v in asdict(objective).items()}


def day_result(context: DayContext, solution: RosterSolution) -> dict[str, Any]:
    """One solved day: objective, per-carer runs with travel and idle time, unassigned visits with reasons."""
    day = context.day
    runs = []
    assignments: dict[str, list[int]] = {str(v): [] for v in context.visits if v not in context.started_ids}
    for run in solution.runs:
        if not run.visits:
            continue
        carer_id = int(run.carer_id)
        carer = context.carers.get(carer_id)
        stops = []
        for s in run.visits:
            visit_id = int(s.visit_id)
            visit = context.visits[visit_id]
            stops.append({
                "visit_id": visit_id, "client_id": visit.client_id,
                "planned_start": _iso(visit.planned_start),
                "start": _iso(moment_of(day, s.start)), "end": _iso(moment_of(day, s.end)),
                "travel_minutes": _round(s.travel_minutes), "idle_minutes": _round(s.idle_minutes),
                "tardiness_minutes": _round(s.tardiness), "fixed": s.fixed,
                "double_handed": visit.carers_needed == 2,
            })
            if not s.fixed and str(visit_id) in assignments:
                assignments[str(visit_id)].append(carer_id)
        runs.append({
            "carer_id": carer_id, "carer_name": carer.name if carer else None,
            "visit_count": len(stops),
            "start": stops[0]["start"], "end": _iso(moment_of(day, run.end)),
            "travel_minutes": _round(run.travel_minutes), "idle_minutes": _round(run.idle_minutes),
            "overtime_minutes": _round(run.overtime),
            "break_start": None if run.break_start is None else _iso(moment_of(day, run.break_start)),
            "visits": stops,
        })
    unassigned = [
        {"visit_id": int(u.visit_id), "client_id": context.visits[int(u.visit_id)].client_id,
         "planned_start": _iso(context.visits[int(u.visit_id)].planned_start), "reason": u.reason}
        for u in solution.unassigned
    ]
    return {
        "date": day.isoformat(),
        "objective": objective_out(solution.objective),
        "visits": len(context.visits),
        "started_visits": sorted(context.started_ids),
        "past_visits": sorted(context.past_ids),
        "carers_available": len(context.carers),
        "carers_used": len(runs),
        "runs": runs,
        "unassigned": unassigned,
        "assignments": assignments,
    }


def roster_result(loaded: LoadedRoster, solutions: list[RosterSolution], seconds: float) -> dict[str, Any]:
    """Every solved day, with the objective summed over the days and the rota in force measured alike."""
    days = []
    mode = loaded.request.options.travel_mode
    for context, day_input, solution in zip(loaded.days, loaded.request.days, solutions, strict=True):
        day = day_result(context, solution)
        day["current_rota"] = current_rota_figures(day_input, context.current, mode)
        days.append(day)
    total: dict[str, Any] = {}
    for day in days:
        for key, value in day["objective"].items():
            if key == "max_tardiness":
                total[key] = max(total.get(key, 0.0), value)
            else:
                total[key] = _round(total.get(key, 0) + value) if isinstance(value, float) else total.get(key, 0) + value
    return {"objective": total, "solve_seconds": _round(seconds), "days": days}
