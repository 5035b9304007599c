"""Clock arithmetic on the home's local wall time (time-of-day slots, day boundaries)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

ONE_DAY = timedelta(days=1)


def minute_of_day(moment: datetime) -> int:
    """Minutes after midnight."""
    return moment.hour * 60 + moment.minute


def in_window(minute: int, start: int, end: int) -> bool:
    """Whether a minute of day lies in ``[start, end)``, windows may wrap past midnight."""
    return start <= minute < end if start <= end else minute >= start or minute < end


def day_start_at(moment: datetime, day_start: int) -> datetime:
    """The start of the care day containing ``moment`` (a day runs from ``day_start`` to ``day_start``)."""
    start = moment.replace(hour=day_start // 60, minute=day_start % 60, second=0, microsecond=0)
    return start if start <= moment else start - ONE_DAY


def care_day(moment: datetime, day_start: int) -> date:
    """The care day a moment belongs to (a 02:00 toilet visit belongs to the evening before)."""
    return day_start_at(moment, day_start).date()


def next_clock(moment: datetime, minute: int) -> datetime:
    """The first instant strictly after ``moment`` whose wall clock reads ``minute``."""
    candidate = moment.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0)
    return candidate if candidate > moment else candidate + ONE_DAY


def quantile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank quantile of an ascending list (q=1 gives the maximum)."""
    index = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[index]
