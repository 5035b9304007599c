"""Time helpers: storage is timezone-aware UTC, display and exports use Europe/London."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utc_now() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """Normalise an aware datetime to UTC; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def london_to_utc(day: date, minutes_after_midnight: int) -> datetime:
    """UTC instant of a wall-clock time on a London calendar day (handles clock changes)."""
    local = datetime(day.year, day.month, day.day, tzinfo=LONDON) + timedelta(minutes=minutes_after_midnight)
    # Adding a timedelta to an aware datetime keeps the original offset; re-localise the wall time.
    wall = local.replace(tzinfo=None)
    return wall.replace(tzinfo=LONDON).astimezone(timezone.utc)


def to_london(moment: datetime) -> datetime:
    """An aware instant shown in Europe/London local time."""
    return as_utc(moment).astimezone(LONDON)


def week_ending(day: date) -> date:
    """The Sunday that ends the Monday-to-Sunday week containing ``day``."""
    return day + timedelta(days=6 - day.weekday())
