"""Request and response shapes of the visits area (the contract the carer app relies on).

Requests forbid unknown fields, so a typo in the app is a 400 naming the field
rather than silently dropped data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

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


class NoteBody(Strict):
    """A case note, without its device time."""

    text: Text


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
    """A correction of a visit after the fact."""

    reason_code: Annotated[str, msgspec.Meta(min_length=2, max_length=60)]
    changes: AmendmentChanges
    comment: str = ""
