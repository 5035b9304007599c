"""Product-facing rostering types: visits, carers, options, and the solved roster.

Times are minutes since midnight of the roster day. Latest start is soft (tardiness is
costed), earliest start is hard. The backend builds these from its database rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

SyncKind = Literal["simultaneous", "sequential"]


@dataclass(frozen=True, slots=True)
class Location:
    """A point on the map (WGS84 degrees)."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Visit:
    """One planned call on the roster day.

    ``carers_needed`` is 1 or 2; with 2 the carers start together (``simultaneous``) or the
    second starts between ``gap_min`` and ``gap_max`` minutes after the first (``sequential``).
    """

    id: str
    client_id: str
    location: Location
    earliest: float
    latest: float
    duration: float
    required_skills: frozenset[str] = frozenset()
    carers_needed: int = 1
    sync: SyncKind = "simultaneous"
    gap_min: float = 0.0
    gap_max: float = 0.0
    carer_gender: str | None = None  # the client's requirement, e.g. "female": only such carers go


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


@dataclass(frozen=True, slots=True)
class RosterOptions:
    """Objective weights (per minute unless noted) and search settings."""

    travel_weight: float = 1.0
    tardiness_weight: float = 1.0
    max_tardiness_weight: float = 1.0
    overtime_weight: float = 2.0
    unassigned_penalty: float = 10_000.0  # per visit left out
    continuity_weight: float = 30.0  # per visit given to a carer the client does not know
    # client id → carers who served them recently (continuity across the week)
    history: Mapping[str, frozenset[str]] = field(default_factory=dict)
    travel_mode: str = "car"
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


@dataclass(frozen=True, slots=True)
class CarerRun:
    """One carer's day: visits in order with travel and idle time."""

    carer_id: str
    visits: tuple[ScheduledVisit, ...]
    travel_minutes: float
    idle_minutes: float
    end: float
    overtime: float


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
