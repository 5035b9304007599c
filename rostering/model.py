"""The rostering domain model: visits, carers, options, and the solved roster.

One model for the product and the benchmarks alike: the backend builds it from its database
rows, the HHCRSP format reads instances into it and writes its solutions out of it, and the
search packs it into arrays (:mod:`rostering.solvers.problem`). Times are minutes since midnight
of the roster day. Latest start is soft (tardiness is costed), earliest start is hard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

SyncKind = Literal["simultaneous", "sequential"]


@dataclass(frozen=True, slots=True)
class Location:
    """A point on the map (WGS84 degrees)."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Service:
    """One carer's part of a visit: how long it takes and the skills it needs."""

    duration: float
    skills: frozenset[str] = frozenset()
    name: str = ""  # what a benchmark's files call it (HHCRSP's service id); the product leaves it empty


def same_care(duration: float, skills: Iterable[str] = (), carers: int = 1) -> tuple[Service, ...]:
    """The services of an ordinary visit: ``carers`` carers giving the same care for ``duration`` minutes."""
    return (Service(float(duration), frozenset(skills)),) * carers


@dataclass(frozen=True, slots=True)
class Visit:
    """One planned call on the roster day: one service per carer it needs (one or two).

    With two services the second starts together with the first (``simultaneous``) or between
    ``gap_min`` and ``gap_max`` minutes after it (``sequential``); the window is on the starts.
    """

    id: str
    client_id: str
    location: Location
    earliest: float
    latest: float
    services: tuple[Service, ...]
    sync: SyncKind = "simultaneous"
    gap_min: float = 0.0
    gap_max: float = 0.0
    carer_gender: str | None = None  # the client's requirement, e.g. "female": only such carers go

    @property
    def carers_needed(self) -> int:
        """How many carers go: one per service."""
        return len(self.services)

    @property
    def duration(self) -> float:
        """How long the visit lasts for the client: its longest service."""
        return max((s.duration for s in self.services), default=0.0)


@dataclass(frozen=True, slots=True)
class Carer:
    """A carer available on the roster day."""

    id: str
    skills: frozenset[str]
    shift_start: float
    shift_end: float
    start_location: Location
    end_location: Location | None = None  # defaults to the start location
    max_minutes: float | None = None  # cap on the working span, start to return
    excluded_clients: frozenset[str] = frozenset()  # clients who refused this carer, or the other way round
    preferred_clients: frozenset[str] = frozenset()
    gender: str | None = None
    travel_mode: str | None = None  # how this carer travels; RosterOptions.travel_mode when None

    @property
    def working_end(self) -> float:
        """The shift end, or sooner when ``max_minutes`` caps the working day."""
        return self.shift_end if self.max_minutes is None else min(self.shift_end, self.shift_start + self.max_minutes)


@dataclass(frozen=True, slots=True)
class BreakRule:
    """An unpaid break owed to every carer with visits whose shift is longer than ``shift_over`` minutes.

    It lasts ``minutes`` within the window ``earliest`` to ``latest`` (minutes of the day; a shift
    without room for it in the window owes none), while
    the carer is neither at a visit nor travelling: before setting off, between two visits (resting
    where the last one was), or after the last one before going home.
    """

    shift_over: float = 360.0
    minutes: float = 30.0
    earliest: float = 11 * 60.0
    latest: float = 15 * 60.0

    def owed(self, shift_start: float, shift_end: float) -> bool:
        """A shift this long is owed a break, and the window leaves room for it within the shift."""
        room = min(shift_end, self.latest) - max(shift_start, self.earliest)
        return shift_end - shift_start > self.shift_over and room >= self.minutes


@dataclass(frozen=True, slots=True)
class RosterOptions:
    """Objective weights (per minute unless noted) and search settings."""

    travel_weight: float = 1.0
    tardiness_weight: float = 1.0
    max_tardiness_weight: float = 1.0
    overtime_weight: float = 2.0
    unassigned_penalty: float | None = 10_000.0  # per visit left out; None: every visit must be served
    continuity_weight: float = 30.0  # per visit given to a carer the client does not know
    # client id → carers who served them recently (continuity across the week)
    history: Mapping[str, frozenset[str]] = field(default_factory=dict)
    travel_mode: str = "car"
    # No visit ends after its carer's shift end (or working-minutes cap): visits that do not fit are
    # left out instead of costed as overtime. The search keeps carers back at their end location by then.
    hard_shift_ends: bool = False
    unpaid_break: BreakRule | None = None
    seed: int = 0


@dataclass(frozen=True, slots=True)
class ScheduledVisit:
    """A visit in a carer's run."""

    visit_id: str
    client_id: str
    start: float
    end: float
    travel_minutes: float  # from the previous stop
    idle_minutes: float  # waiting before the start
    tardiness: float
    fixed: bool = False  # already started when re-rostering
    service: int = 0  # which of the visit's services this carer gives


@dataclass(frozen=True, slots=True)
class CarerRun:
    """One carer's day: visits in order with travel and idle time."""

    carer_id: str
    visits: tuple[ScheduledVisit, ...]
    travel_minutes: float
    idle_minutes: float
    end: float
    overtime: float
    break_start: float | None = None  # the unpaid break, when one is owed (RosterOptions.unpaid_break)


@dataclass(frozen=True, slots=True)
class UnassignedVisit:
    """A visit no carer was given, with the reason."""

    visit_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ObjectiveBreakdown:
    """Each objective term in its own unit, and the weighted total."""

    travel_minutes: float
    total_tardiness: float
    max_tardiness: float
    overtime_minutes: float
    unfamiliar_visits: int
    unassigned_visits: int
    total: float
    break_minutes: float = 0.0  # unpaid breaks given (their cost is in the lateness and overtime they cause)


@dataclass(frozen=True, slots=True)
class RosterSolution:
    """The solved day."""

    runs: tuple[CarerRun, ...]
    unassigned: tuple[UnassignedVisit, ...]
    objective: ObjectiveBreakdown


@dataclass(frozen=True, slots=True)
class StartedVisit:
    """A visit already under way (or done) when re-rostering: it stays as it is."""

    visit_id: str
    carer_ids: tuple[str, ...]
    start: float
