"""Query parameters several areas share, declared once with the name the caller types."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from shared.timekeeping import LONDON, utc_now

# A string, not a ``date``: ``?date=`` (empty, as a form with a blank date field sends it) means today.
Day = Annotated[str | None, QueryParameter(
    name="date", default=None, pattern=r"^(\d{4}-\d{2}-\d{2})?$",
    description="YYYY-MM-DD; absent or empty for today (Europe/London)",
)]


def london_day(value: str | None) -> date:
    """The day a ``date`` query parameter names, today in London when it is absent or empty."""
    if not value:
        return utc_now().astimezone(LONDON).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationException(f"invalid date: {value!r} is not a day of the calendar (YYYY-MM-DD)",
                                  extra=[{"key": "date", "source": "query", "message": "not a calendar day"}]) from None
