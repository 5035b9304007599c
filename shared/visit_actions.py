"""The carer's visit-action vocabulary and the offline sync shapes, shared by phone and server.

Written once here and shipped inside the Android app (``mobile/buildozer.spec``), so this
module imports the standard library only: the server builds its msgspec request structs
from these enums and shapes, the phone its outbox, forms and labels; a test guards both.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypedDict

from shared.enums import CheckMethod, VisitEventKind

__all__ = [
    "ActionKind", "CheckMethod", "ConcernCategory", "ManualReason", "MedicationOutcome", "SyncActionWire",
    "SyncResultWire", "SyncStatus", "TaskOutcome", "VisitEventKind",
]


class ActionKind(StrEnum):
    """What a phone can queue for a visit (the visit events a carer creates)."""

    CHECK_IN = VisitEventKind.CHECK_IN.value
    CHECK_OUT = VisitEventKind.CHECK_OUT.value
    NOTE = VisitEventKind.NOTE.value
    CONCERN = VisitEventKind.CONCERN.value
    PROOF = VisitEventKind.PROOF.value  # a better fix or a tag scan after an unverified check-in


class ManualReason(StrEnum):
    """Why a check-in or check-out has neither a GPS fix in the geofence nor a scanned tag."""

    NO_SIGNAL = "no_signal"
    GPS_UNAVAILABLE = "gps_unavailable"
    TAG_MISSING = "tag_missing"
    PHONE_BROKEN = "phone_broken"
    OTHER = "other"


class TaskOutcome(StrEnum):
    """What happened to one planned task."""

    DONE = "done"
    REFUSED = "refused"
    NOT_NEEDED = "not_needed"


class MedicationOutcome(StrEnum):
    """What happened to one medication prompt (``other`` needs a note)."""

    GIVEN = "given"
    REFUSED = "refused"
    NOT_AVAILABLE = "not_available"
    GIVEN_BY_FAMILY = "given_by_family"
    OTHER = "other"


class ConcernCategory(StrEnum):
    """What a concern raised at a visit is about."""

    SAFEGUARDING = "safeguarding"
    HEALTH = "health"
    MEDICATION = "medication"
    ENVIRONMENT = "environment"
    OTHER = "other"


class SyncStatus(StrEnum):
    """The server's verdict on one queued action."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class SyncActionWire(TypedDict):
    """One element of ``POST /api/v1/sync``'s ``actions``: an action as the outbox sends it."""

    idempotency_key: str
    kind: str  # an ActionKind value
    visit_id: int
    at: str  # device time, ISO 8601 with offset
    payload: dict[str, Any]


class SyncResultWire(TypedDict):
    """One element of the sync answer's ``results``, in the order the actions were sent."""

    idempotency_key: str
    status: str  # a SyncStatus value
    result: dict[str, Any] | None
    problem: dict[str, Any] | None
