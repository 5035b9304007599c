"""Figures for the rota in force, on the solver's own terms, so a proposed roster can be compared.

Each carer does their assigned visits in planned order, starting from home at shift start,
with the same travel model and windows the solver used. Double-handed visits are not held to
start together here, so the figures are an optimistic estimate of the current rota.
"""

from __future__ import annotations

from typing import Any

from rostering.model import Location
from rostering.travel import HaversineTravel

from backend.domain.rostering.solving import DayInput


def current_rota_figures(day: DayInput, current: dict[str, list[str]], mode: str) -> dict[str, Any]:
    """Travel, lateness and coverage of the assignments in ``current`` (visit id → carer ids)."""
    travel_model = HaversineTravel()
    visits = {v.id: v for v in day.visits}
    carers = {c.id: c for c in day.carers}
    runs: dict[str, list[str]] = {}
    short = 0
    for visit_id, carer_ids in current.items():
        visit = visits[visit_id]
        known = [c for c in carer_ids if c in carers]
        if len(known) < visit.carers_needed:
            short += 1
        for carer_id in known:
            runs.setdefault(carer_id, []).append(visit_id)
    travel = total_late = max_late = 0.0
    for carer_id, visit_ids in runs.items():
        carer = carers[carer_id]
        ordered = sorted(visit_ids, key=lambda v: (visits[v].earliest, v))
        points: list[Location] = [carer.start_location] + [visits[v].location for v in ordered]
        points.append(carer.end_location or carer.start_location)
        legs = travel_model.matrix(points, mode)
        clock = carer.shift_start
        for step, visit_id in enumerate(ordered, start=1):
            visit = visits[visit_id]
            travel += legs[step - 1][step]
            begin = max(clock + legs[step - 1][step], visit.earliest)
            late = max(0.0, begin - visit.latest)
            total_late += late
            max_late = max(max_late, late)
            clock = begin + visit.duration
        travel += legs[len(ordered)][len(ordered) + 1]
    return {
        "travel_minutes": round(travel, 2), "total_tardiness": round(total_late, 2), "max_tardiness": round(max_late, 2),
        "visits_short_of_carers": short, "carers_used": len(runs),
    }
