"""Finance weeks: Monday to Sunday on the Europe/London calendar, named by the Sunday that ends them.

A visit belongs to the week of its ``visit_date`` (its London calendar day), so clock
changes and visits running past midnight never move a visit between weeks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from shared.timekeeping import LONDON, as_utc, week_ending


class FinanceWeek:
    """One finance week, from Monday to the Sunday ``ending``."""

    __slots__ = ("ending", "start")

    def __init__(self, ending: date) -> None:
        if ending.weekday() != 6:
            raise ValueError(f"{ending.isoformat()} is a {ending.strftime('%A')}; a finance week ends on a Sunday")
        self.ending = ending
        self.start = ending - timedelta(days=6)

    def __repr__(self) -> str:
        return f"FinanceWeek({self.ending.isoformat()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FinanceWeek) and other.ending == self.ending

    def __hash__(self) -> int:
        return hash(self.ending)

    @property
    def previous(self) -> FinanceWeek:
        """The week before."""
        return FinanceWeek(self.ending - timedelta(days=7))

    @property
    def next(self) -> FinanceWeek:
        """The week after."""
        return FinanceWeek(self.ending + timedelta(days=7))


def parse_week_ending(text: str) -> FinanceWeek:
    """A week from ``YYYY-MM-DD`` naming its Sunday; ``ValueError`` with a readable reason otherwise."""
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"week_ending {text!r} is not a date (YYYY-MM-DD)") from exc
    return FinanceWeek(day)


def week_of(moment: datetime) -> FinanceWeek:
    """The week containing an instant, on the London calendar."""
    return FinanceWeek(week_ending(as_utc(moment).astimezone(LONDON).date()))


def last_completed_week(now: datetime) -> FinanceWeek:
    """The latest week whose Sunday has ended in London at ``now``."""
    return week_of(now).previous
