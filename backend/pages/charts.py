"""A reading chart for the pages: one measure over weeks, as inline SVG geometry (no script).

The hub draws each measure with the person's amber and red limits as shaded bands and dashed lines,
the person's record the same chart without limits. A fixed ``viewBox`` the browser scales to the
card; the points are coloured by the band they fall in, and the chart's label says in words what it shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from shared.telehealth import Limits
from shared.timekeeping import to_london

RED, AMBER, LINE = "#b42318", "#b54708", "#1d4ed8"
BAND = {"red": "#fde4e1", "amber": "#fef0c7"}


def _step(span: float) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about four ticks over ``span``."""
    raw = span / 4 if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def band_of(value: float, limits: Limits | None) -> str:
    """``red``, ``amber`` or ``ok`` for a value against limits (``ok`` without limits)."""
    if limits is None:
        return "ok"
    if (limits.red_low is not None and value < limits.red_low) or (limits.red_high is not None and value > limits.red_high):
        return "red"
    if ((limits.amber_low is not None and value < limits.amber_low)
            or (limits.amber_high is not None and value > limits.amber_high)):
        return "amber"
    return "ok"


def limits_text(limits: Limits | None, unit: str) -> str:
    """The limits in words, e.g. ``amber below 92%, red below 88%``."""
    if limits is None:
        return ""
    parts = [f"{colour} {side} {value:g}{unit}" for colour, side, value in (
        ("amber", "below", limits.amber_low), ("amber", "above", limits.amber_high),
        ("red", "below", limits.red_low), ("red", "above", limits.red_high)) if value is not None]
    return ", ".join(parts)


UNIT_TEXT = {"%": "%", "/min": "/min", "mm[Hg]": " mmHg", "kg": " kg", "mmol/L": " mmol/L", "Cel": " °C"}
"""How a canonical (UCUM) unit follows a value on the pages."""


def reading_chart(measure: str, title: str, unit: str, points: Sequence[tuple[float, datetime]], start: datetime,
                  end: datetime, limits: Limits | None = None, *, width: int = 640, height: int = 240,
                  font: int = 15) -> dict[str, Any]:
    """Geometry of one measure's chart between ``start`` and ``end`` (UTC); ``unit`` follows each value (``" kg"``).

    ``width``, ``height`` and ``font`` are in the ``viewBox``'s units: choose them for the width the chart is
    shown at, so its text stays readable (a phone shows a 560-wide chart at about 330 px: font 22).
    """
    left, right, top, bottom = round(font * 3.4), width - font, round(font * 0.9), height - round(font * 2)
    bounds = [limit for limit in ((limits.red_low, limits.amber_low, limits.amber_high, limits.red_high)
                                  if limits else ()) if limit is not None]
    values = [value for value, _ in points]
    low, high = min(values + bounds, default=0.0), max(values + bounds, default=1.0)
    step = _step(high - low)
    low, high = math.floor(low / step - 0.5) * step, math.ceil(high / step + 0.5) * step
    span_seconds = max((end - start).total_seconds(), 1.0)

    def x(at: datetime) -> float:
        return round(left + (right - left) * (at - start).total_seconds() / span_seconds, 1)

    def y(value: float) -> float:
        return round(bottom - (bottom - top) * (value - low) / (high - low), 1)

    bands, lines = [], []
    if limits is not None:
        # Amber first, so the red bands are drawn over the amber ones they lie inside.
        for colour, low_limit, high_limit in (("amber", limits.amber_low, limits.amber_high),
                                             ("red", limits.red_low, limits.red_high)):
            if low_limit is not None and low_limit > low:
                bands.append({"colour": BAND[colour], "y": y(low_limit), "h": round(bottom - y(low_limit), 1)})
                lines.append({"y": y(low_limit), "colour": RED if colour == "red" else AMBER,
                              "label": f"{colour} {low_limit:g}"})
            if high_limit is not None and high_limit < high:
                bands.append({"colour": BAND[colour], "y": top, "h": round(y(high_limit) - top, 1)})
                lines.append({"y": y(high_limit), "colour": RED if colour == "red" else AMBER,
                              "label": f"{colour} {high_limit:g}"})
    ticks = []
    value = low
    while value <= high + step / 2:
        ticks.append({"y": y(value), "label": f"{value:g}"})
        value += step
    weeks = []
    day = end
    while day >= start:
        # The labels at the edges stay inside the chart rather than running off it.
        weeks.append({"x": x(day), "label": to_london(day).strftime("%-d %b"),
                      "anchor": "end" if day == end else "start" if day - timedelta(days=7) < start else "middle"})
        day -= timedelta(days=7)
    ordered = sorted(points, key=lambda point: point[1])
    dots = [{"x": x(at), "y": y(value), "band": band_of(value, limits),
             "colour": {"red": RED, "amber": AMBER}.get(band_of(value, limits), LINE),
             "title": f"{value:g}{unit} at {to_london(at):%H:%M on %-d %b}"} for value, at in ordered]
    latest = ordered[-1] if ordered else None
    summary = (f"{title}: {len(ordered)} readings"
               + (f", the latest {latest[0]:g}{unit} on {to_london(latest[1]):%-d %b}" if latest else "")
               + (f"; limits {limits_text(limits, unit)}" if limits_text(limits, unit) else ""))
    return {"measure": measure, "width": width, "height": height, "left": left, "right": right, "top": top,
            "bottom": bottom, "font": font,
            "title": title, "summary": summary, "bands": bands, "lines": lines, "ticks": ticks, "weeks": weeks,
            "dots": dots, "path": " ".join(f"{d['x']},{d['y']}" for d in dots)}
