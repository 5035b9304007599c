"""Chart geometry for the commissioner pages: inline SVG, no script, drawn to the page's width.

Two charts: planned / delivered / billable hours per provider for a week (horizontal bars,
so provider names fit), and the same three figures over the last weeks (a trend of lines).
Both use a fixed ``viewBox`` the browser scales to the card, and say "no visits" rather
than drawing an empty axis.
"""

from __future__ import annotations

import math
from typing import Any

from backend.domain.finance.billing import Totals

WIDTH = 1000
SERIES = (("planned", "#9aa5b1"), ("delivered", "#2f7fd1"), ("billable", "#2e9d5b"))


def _minutes(totals: Totals) -> dict[str, int]:
    return {"planned": totals.planned_minutes, "delivered": totals.actual_minutes, "billable": totals.billable_minutes}


def _hours(minutes: float) -> str:
    return f"{minutes / 60:,.1f}"


def nice_step(top_hours: float, most: int = 6) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving at most ``most`` ticks up to ``top_hours``."""
    if top_hours <= 0:
        return 1.0
    raw = top_hours / most
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _ticks(top_minutes: int) -> tuple[float, list[float]]:
    step = nice_step(top_minutes / 60)
    count = math.ceil(top_minutes / 60 / step - 1e-9)
    return step * count, [step * i for i in range(count + 1)]


def provider_bars(rows: list[tuple[str, Totals]]) -> dict[str, Any]:
    """Horizontal planned / delivered / billable bars per provider (``rows`` are name and totals)."""
    top_minutes = max((m for _, t in rows for m in _minutes(t).values()), default=0)
    if top_minutes == 0:
        return {"empty": True, "width": WIDTH, "height": 60}
    top_hours, ticks = _ticks(top_minutes)
    left, right, bar, gap, head = 250, WIDTH - 70, 14, 18, 26
    scale = (right - left) / (top_hours * 60)
    groups = []
    y = head
    for name, totals in rows:
        bars = []
        for i, (kind, colour) in enumerate(SERIES):
            minutes = _minutes(totals)[kind]
            width = round(minutes * scale, 1)
            bars.append({"kind": kind, "colour": colour, "x": left, "y": y + i * bar, "w": width, "h": bar - 2,
                         "label": f"{_hours(minutes)} h", "label_x": left + width + 6,
                         "title": f"{name}: {kind} {_hours(minutes)} h"})
        groups.append({"name": name, "y": y + bar * 1.5 + 4, "bars": bars})
        y += bar * len(SERIES) + gap
    height = y + 10
    digits = 0 if _whole(ticks) else 1
    axis = [{"x": round(left + h * 60 * scale, 1), "label": f"{h:,.{digits}f} h"} for h in ticks]
    return {"empty": False, "width": WIDTH, "height": height, "groups": groups, "axis": axis, "top": head - 8,
            "bottom": height - 10, "left": left}


def _whole(ticks: list[float]) -> bool:
    """Whether every tick is a whole number of hours (labels then need no decimals)."""
    return all(float(t).is_integer() for t in ticks)


def weekly_trend(points: list[tuple[str, Totals | None]]) -> dict[str, Any]:
    """Planned / delivered / billable hours over weeks (``points`` are week label and totals, or ``None``)."""
    top_minutes = max((m for _, t in points if t is not None for m in _minutes(t).values()), default=0)
    left, right, top, bottom = 60, WIDTH - 20, 16, 190
    slot = (right - left) / max(len(points), 1)
    weeks = [{"label": label, "x": round(left + slot * (i + 0.5), 1),
              "empty": totals is None or not any(_minutes(totals).values())}
             for i, (label, totals) in enumerate(points)]
    if top_minutes == 0:
        return {"empty": True, "width": WIDTH, "height": bottom + 30, "weeks": weeks, "bottom": bottom}
    top_hours, ticks = _ticks(top_minutes)
    scale = (bottom - top) / (top_hours * 60)
    lines = []
    for kind, colour in SERIES:
        segments: list[list[dict[str, Any]]] = [[]]
        for week, (_, totals) in zip(weeks, points):
            if week["empty"] or totals is None:
                segments.append([])  # a week with no visits breaks the line instead of dropping it to zero
                continue
            minutes = _minutes(totals)[kind]
            segments[-1].append({"x": week["x"], "y": round(bottom - minutes * scale, 1),
                                 "title": f"{week['label']}: {kind} {_hours(minutes)} h"})
        lines.append({"kind": kind, "colour": colour, "segments": [
            {"points": " ".join(f"{p['x']},{p['y']}" for p in segment), "dots": segment}
            for segment in segments if segment]})
    digits = 0 if _whole(ticks) else 1
    axis = [{"y": round(bottom - h * 60 * scale, 1), "label": f"{h:,.{digits}f}"} for h in ticks]
    return {"empty": False, "width": WIDTH, "height": bottom + 30, "weeks": weeks, "lines": lines, "axis": axis,
            "left": left, "right": right, "bottom": bottom}
