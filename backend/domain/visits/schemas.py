"""Request and response shapes of the visits area (the contract the carer app relies on).

Requests forbid unknown fields, so a typo in the app is a 400 naming the field
rather than silently dropped data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, TypedDict

import msgspec

from backend.domain.alerts.schemas import AlertOut
from backend.pagination import Page
from shared.enums import AmendmentReason, AmendmentState, VisitEventKind, VisitStatus
from shared.visit_actions import (
    ActionKind,
    CheckMethod,
    ConcernCategory,
    ManualReason,
    MedicationOutcome,
    SyncStatus,
    TaskOutcome,
)

AwareDateTime = Annotated[datetime, msgspec.Meta(tz=True)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base for request bodies."""


class LocationIn(Strict):
    """A GPS fix taken at the moment of check-in/out; used once, never stored."""

    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    accuracy_m: Annotated[float, msgspec.Meta(ge=0, le=100_000)] = 50.0


class TaskOutcomeIn(Strict):
    """What happened to one planned task."""

    task_id: str
    outcome: TaskOutcome
    note: str = ""


class MedicationOutcomeIn(Strict):
    """What happened to one medication prompt."""

    medication_id: str
    outcome: MedicationOutcome
    note: str = ""


class CheckBody(Strict):
    """Body of a check-in or check-out, without its device time."""

    method: CheckMethod
    location: LocationIn | None = None
    tag: str | None = None
    reason: ManualReason | None = None
    task_outcomes: list[TaskOutcomeIn] = []
    medication_outcomes: list[MedicationOutcomeIn] = []


class CheckRequest(CheckBody, kw_only=True):
    """A check-in or check-out as posted by the app."""

    at: AwareDateTime


class ProofBody(Strict):
    """Later proof of presence for an unverified check-in: a GPS fix or a tag scan (no manual reason)."""

    method: CheckMethod
    location: LocationIn | None = None
    tag: str | None = None


class ProofRequest(ProofBody, kw_only=True):
    """Proof of presence as posted."""

    at: AwareDateTime


class NoteBody(Strict):
    """A case note, without its device time; ``confidential`` keeps it off the person's own record."""

    text: Text
    confidential: bool = False


class NoteRequest(NoteBody, kw_only=True):
    """A case note as posted."""

    at: AwareDateTime


class ConcernBody(Strict):
    """A concern raised for the supervisor, without its device time."""

    category: ConcernCategory
    text: Text


class ConcernRequest(ConcernBody, kw_only=True):
    """A concern as posted."""

    at: AwareDateTime


class SyncAction(Strict):
    """One queued offline action (fields as in ``shared.visit_actions.SyncActionWire``)."""

    idempotency_key: Annotated[str, msgspec.Meta(min_length=8, max_length=100)]
    kind: ActionKind
    visit_id: int
    at: AwareDateTime
    payload: dict[str, Any] = {}


class SyncRequest(Strict):
    """A batch of queued offline actions, applied in order."""

    actions: Annotated[list[SyncAction], msgspec.Meta(max_length=500)]


class SyncResult(msgspec.Struct):
    """The outcome of one queued action (fields as in ``shared.visit_actions.SyncResultWire``)."""

    idempotency_key: str
    status: SyncStatus
    result: dict[str, Any] | None = None
    problem: dict[str, Any] | None = None


class SyncResponse(msgspec.Struct):
    """Outcomes in the order the actions were sent."""

    results: list[SyncResult]


class ReviewRequest(Strict):
    """A supervisor's decision on an unverified check-in/out."""

    decision: Literal["approve", "reject"]


class AmendmentChanges(Strict):
    """What an amendment corrects; absent fields stay as they are."""

    carer_id: int | None = None
    actual_start: AwareDateTime | None = None
    actual_end: AwareDateTime | None = None
    status: Literal["completed", "missed", "cancelled"] | None = None


class AmendmentRequest(Strict):
    """A correction of a visit after the fact, with a reason code from the documented list."""

    reason_code: AmendmentReason
    changes: AmendmentChanges
    comment: Annotated[str, msgspec.Meta(max_length=1000)] = ""


# -- responses (TypedDicts: the services build plain dicts, the OpenAPI document shows their shape) --


class Person(TypedDict):
    """A carer or client named in a response."""

    id: int
    name: str


class GeoPointOut(TypedDict):
    """A home's position."""

    lat: float
    lon: float


class RotaClient(TypedDict):
    """The client of a visit, as the carer needs them on the doorstep."""

    id: int
    name: str
    address: str
    location: GeoPointOut
    access_notes: str


class CoCarerOut(TypedDict):
    """Another carer on a double-handed visit and how far they are with it."""

    id: int
    name: str
    checked_in: AwareDateTime | None
    checked_out: AwareDateTime | None


class RecordedOutcome(TypedDict):
    """A task or medication outcome recorded at a check-out, by whichever carer."""

    id: str
    outcome: str
    note: str
    carer: Person


class VisitNoteOut(TypedDict):
    """A case note written at the visit, by whichever carer."""

    at: AwareDateTime
    text: str
    carer: Person


class WaitingFor(TypedDict):
    """A co-carer the visit still waits for, and for what (``check_in`` or ``check_out``)."""

    id: int
    name: str
    to: ActionKind


class RotaVisit(TypedDict):
    """One visit of the carer's day, as the app shows it: the server's truth, whoever recorded it."""

    id: int
    client: RotaClient
    planned_start: AwareDateTime
    planned_end: AwareDateTime
    carers_needed: int
    co_carers: list[CoCarerOut]
    tasks: list[dict[str, Any]]
    medications: list[dict[str, Any]]
    status: VisitStatus
    verified: bool | None
    my_check_in: AwareDateTime | None
    my_check_out: AwareDateTime | None
    waiting_for: list[WaitingFor]
    task_outcomes: list[RecordedOutcome]
    medication_outcomes: list[RecordedOutcome]
    notes: list[VisitNoteOut]


class VisitRef(TypedDict):
    """The visit an action applied to, with its status afterwards."""

    id: int
    status: VisitStatus


class ActionResult(TypedDict, total=False):
    """What a check-in/out, note or concern returns (and every replay of it returns again)."""

    event_id: int
    visit: VisitRef
    verified: bool
    distance_m: float | None
    reason: str | None
    alert_id: int
    check_in_verified: bool
    late_start_minutes: int | None
    delivered_after_missed: bool


class BoardVisit(TypedDict):
    """One visit on the supervisor's board with its live state."""

    id: int
    client: Person
    planned_start: AwareDateTime
    planned_end: AwareDateTime
    carers: list[Person]
    state: str
    status: VisitStatus
    verified: bool | None
    late_start_minutes: int | None
    delivered_after_missed: bool


class BoardCounts(TypedDict):
    """How many of the day's visits are in each live state."""

    late: int
    missed: int
    unverified: int
    in_progress: int
    not_started: int
    completed: int
    cancelled: int


class Board(TypedDict):
    """The day's board: the counts, a page of the day's visits and a page of open alerts (newest first)."""

    date: date
    counts: BoardCounts
    visits: Page[BoardVisit]
    alerts: Page[AlertOut]


class ReviewOut(TypedDict):
    """An unverified check-in or check-out awaiting a supervisor's decision."""

    event_id: int
    visit_id: int
    carer: Person
    client: Person
    kind: VisitEventKind
    method: CheckMethod
    reason: str | None
    distance_m: float | None
    device_time: AwareDateTime


class ReviewDecision(TypedDict):
    """The recorded decision on a check."""

    event_id: int
    review_state: AmendmentState


class AmendmentOut(TypedDict):
    """A correction of a visit, with what it corrects and who decided."""

    id: int
    visit_id: int
    state: AmendmentState
    reason_code: str
    comment: str
    changes: dict[str, Any]
    original: dict[str, Any]
    author_id: int
    approver_id: int | None
    created_at: AwareDateTime
    decided_at: AwareDateTime | None


class CaseNoteOut(TypedDict):
    """A case note as a supervisor reads it (each read is audited)."""

    event_id: int
    carer_id: int
    at: AwareDateTime
    text: str


class ConcernOut(TypedDict):
    """A concern as a supervisor reads it, with what the carer wrote (each read is audited)."""

    event_id: int
    visit_id: int
    alert_id: int | None
    carer: Person
    at: AwareDateTime
    category: str
    text: str


class HomeTagOut(TypedDict):
    """The string a home's QR code or NFC tag carries."""

    client_id: int
    version: int
    tag: str
