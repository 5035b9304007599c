"""What a carer can do on a visit, as outbox actions: check-in/out, later proof of presence, case note, concern.

Builds the request bodies of the carer API, refuses a check-out while a medication prompt
has no outcome (the server would refuse it too, but the carer may be offline), keeps the
ticks and outcomes entered before check-out in a draft that survives a restart, and works
out what the rota should show from the server's status plus the actions not yet synced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mobile.core.outbox import UNSYNCED, Action, Outbox
from shared.visit_actions import (
    ActionKind,
    CheckMethod,
    ConcernCategory,
    ManualReason,
    MedicationOutcome,
    SyncStatus,
    TaskOutcome,
)

# What the carer reads for each code of the shared vocabulary; a test checks both cover the same codes.
ACTION_KINDS = {ActionKind.CHECK_IN: "Check-in", ActionKind.CHECK_OUT: "Check-out", ActionKind.NOTE: "Case note",
                ActionKind.CONCERN: "Concern", ActionKind.PROOF: "Proof of presence"}
METHODS = {CheckMethod.GPS: "GPS", CheckMethod.QR: "QR tag", CheckMethod.NFC: "NFC tag", CheckMethod.MANUAL: "manual"}
MANUAL_REASONS = {
    ManualReason.NO_SIGNAL: "No GPS signal",
    ManualReason.GPS_UNAVAILABLE: "Location turned off or not working",
    ManualReason.TAG_MISSING: "QR tag missing",
    ManualReason.PHONE_BROKEN: "Phone not working properly",
    ManualReason.OTHER: "Other reason",
}
TASK_OUTCOMES = {TaskOutcome.DONE: "Done", TaskOutcome.REFUSED: "Refused", TaskOutcome.NOT_NEEDED: "Not needed"}
MEDICATION_OUTCOMES = {
    MedicationOutcome.GIVEN: "Given",
    MedicationOutcome.REFUSED: "Refused",
    MedicationOutcome.NOT_AVAILABLE: "Not available",
    MedicationOutcome.GIVEN_BY_FAMILY: "Given by family",
    MedicationOutcome.OTHER: "Other (add a note)",
}
CONCERN_CATEGORIES = {
    ConcernCategory.SAFEGUARDING: "Safeguarding",
    ConcernCategory.HEALTH: "Health change, fall or injury",
    ConcernCategory.MEDICATION: "Medication",
    ConcernCategory.ENVIRONMENT: "Home or environment",
    ConcernCategory.OTHER: "Other",
}


class ActionRefused(ValueError):
    """The action cannot be queued as it stands; the message says why, for the carer."""


class CheckOutBlocked(ActionRefused):
    """Check-out refused until every medication prompt has an outcome."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        names = ", ".join(self.missing)
        super().__init__(f"Record an outcome for every medication before checking out: {names}")


@dataclass
class Evidence:
    """How the carer proves presence: GPS fix, scanned tag or a manual reason."""

    method: str
    location: dict[str, float] | None = None
    tag: str | None = None
    reason: str | None = None

    def body(self) -> dict[str, Any]:
        if self.method not in METHODS:
            raise ActionRefused(f"unknown check-in method {self.method!r}")
        body: dict[str, Any] = {"method": self.method}
        if self.method == CheckMethod.GPS:
            if not self.location:
                raise ActionRefused("No GPS position yet: try again, scan the QR tag or check in manually")
            body["location"] = dict(self.location)
        elif self.method in (CheckMethod.QR, CheckMethod.NFC):
            if not (self.tag or "").strip():
                raise ActionRefused("Scan the tag or type its code")
            body["tag"] = self.tag.strip()  # type: ignore[union-attr]
        else:
            if self.reason not in MANUAL_REASONS:
                raise ActionRefused("Choose why you are checking in manually")
            body["reason"] = self.reason
        return body


class VisitDraft:
    """Task ticks and medication outcomes for one visit, saved in the outbox database."""

    def __init__(self, outbox: Outbox, visit: dict[str, Any]) -> None:
        self.outbox = outbox
        self.visit = visit
        data = outbox.load_draft(int(visit["id"]))
        self.tasks: dict[str, dict[str, str]] = data.get("tasks", {})
        self.medications: dict[str, dict[str, str]] = data.get("medications", {})

    def set_task(self, task_id: Any, outcome: str | None, note: str = "") -> None:
        self._set(self.tasks, TASK_OUTCOMES, task_id, outcome, note)

    def set_medication(self, medication_id: Any, outcome: str | None, note: str = "") -> None:
        self._set(self.medications, MEDICATION_OUTCOMES, medication_id, outcome, note)

    def _set(self, target: dict[str, dict[str, str]], allowed: dict[str, str], item_id: Any,
             outcome: str | None, note: str) -> None:
        if outcome is None:
            target.pop(str(item_id), None)
        else:
            if outcome not in allowed:
                raise ActionRefused(f"unknown outcome {outcome!r}")
            target[str(item_id)] = {"outcome": outcome, "note": note}
        self.outbox.save_draft(int(self.visit["id"]), {"tasks": self.tasks, "medications": self.medications})

    def missing_medications(self) -> list[str]:
        missing = []
        for med in self.visit.get("medications") or []:
            entry = self.medications.get(str(med["id"]))
            if entry is None or (entry["outcome"] == MedicationOutcome.OTHER and not entry.get("note", "").strip()):
                missing.append(str(med.get("label") or med["id"]))
        return missing

    def outcomes_body(self) -> dict[str, Any]:
        known_tasks = {str(t["id"]) for t in self.visit.get("tasks") or []}
        known_meds = {str(m["id"]) for m in self.visit.get("medications") or []}
        return {
            "task_outcomes": [
                {"task_id": k, "outcome": v["outcome"], "note": v.get("note", "")}
                for k, v in self.tasks.items() if k in known_tasks
            ],
            "medication_outcomes": [
                {"medication_id": k, "outcome": v["outcome"], "note": v.get("note", "")}
                for k, v in self.medications.items() if k in known_meds
            ],
        }


class VisitActions:
    """Queues a carer's actions on visits into the outbox (the sync worker sends them)."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def check_in(self, visit: dict[str, Any], evidence: Evidence) -> Action:
        state = local_state(visit, self.outbox.for_visit(int(visit["id"])))
        if state.checked_in:
            raise ActionRefused("You are already checked in to this visit")
        return self.outbox.enqueue(ActionKind.CHECK_IN, int(visit["id"]), evidence.body())

    def check_out(self, visit: dict[str, Any], evidence: Evidence, draft: VisitDraft) -> Action:
        state = local_state(visit, self.outbox.for_visit(int(visit["id"])))
        if not state.checked_in:
            raise ActionRefused("Check in before checking out")
        if state.checked_out:
            raise ActionRefused("You have already checked out of this visit")
        missing = draft.missing_medications()
        if missing:
            raise CheckOutBlocked(missing)
        return self.outbox.enqueue(ActionKind.CHECK_OUT, int(visit["id"]), {**evidence.body(), **draft.outcomes_body()})

    def proof(self, visit: dict[str, Any], evidence: Evidence) -> Action:
        """A better GPS fix or a tag scan after an unverified check-in, so the check-in becomes verified."""
        state = local_state(visit, self.outbox.for_visit(int(visit["id"])))
        if not state.checked_in or state.checked_out:
            raise ActionRefused("Proof of presence is added while you are checked in")
        if state.verified:
            raise ActionRefused("Your check-in is already verified")
        if evidence.method == CheckMethod.MANUAL:
            raise ActionRefused("Proof of presence needs a GPS position or a scanned tag")
        return self.outbox.enqueue(ActionKind.PROOF, int(visit["id"]), evidence.body())

    def note(self, visit: dict[str, Any], text: str) -> Action:
        if not text.strip():
            raise ActionRefused("Write the note first")
        return self.outbox.enqueue(ActionKind.NOTE, int(visit["id"]), {"text": text.strip()})

    def concern(self, visit: dict[str, Any], category: str, text: str) -> Action:
        if category not in CONCERN_CATEGORIES:
            raise ActionRefused("Choose what the concern is about")
        if not text.strip():
            raise ActionRefused("Describe the concern")
        return self.outbox.enqueue(ActionKind.CONCERN, int(visit["id"]), {"category": category, "text": text.strip()})


@dataclass(frozen=True)
class LocalState:
    """A visit as the carer should see it: server status overlaid with unsynced actions."""

    status: str
    verified: bool | None
    checked_in: bool
    checked_out: bool
    unsynced: int
    rejected: tuple[str, ...]

    @property
    def sync_label(self) -> str:
        parts = []
        if self.unsynced:
            parts.append(f"{self.unsynced} waiting to sync")
        if self.rejected:
            parts.append(f"{len(self.rejected)} rejected")
        return ", ".join(parts) or "synced"


def local_state(visit: dict[str, Any], actions: Sequence[Action]) -> LocalState:
    """Combine the cached visit with this device's actions on it (rejected ones do not count)."""
    checked_in = bool(visit.get("my_check_in"))
    checked_out = bool(visit.get("my_check_out"))
    verified = visit.get("verified")
    status = str(visit.get("status") or "planned")
    unsynced = 0
    rejected: list[str] = []
    for action in actions:
        if action.state == SyncStatus.REJECTED:
            rejected.append(f"{action.kind.replace('_', '-')}: {action.reason}")
            continue
        if action.state in UNSYNCED:
            unsynced += 1
        result = action.result or {}
        if action.kind == ActionKind.CHECK_IN:
            checked_in = True
            if status == "planned":
                status = "in_progress"
            if "verified" in result:
                verified = result["verified"]
        elif action.kind == ActionKind.CHECK_OUT:
            checked_out = True
            if action.state in UNSYNCED:
                status = "completed"
            if "verified" in result and verified is not False:
                verified = result["verified"]
        elif action.kind == ActionKind.PROOF and result.get("check_in_verified"):
            verified = True
        visit_result = result.get("visit") if isinstance(result, dict) else None
        if isinstance(visit_result, dict) and visit_result.get("status"):
            status = str(visit_result["status"])
    return LocalState(status, verified, checked_in, checked_out, unsynced, tuple(rejected))


def waiting_text(visit: dict[str, Any]) -> str:
    """Who a double-handed visit still waits for, in the server's words: "Waiting for Stanley Parry to check out"."""
    parts = [f"{w.get('name', 'a co-carer')} to {ACTION_KINDS.get(w.get('to', ''), 'check in').lower().replace('-', ' ')}"
             for w in visit.get("waiting_for") or []]
    return f"Waiting for {' and '.join(parts)}" if parts else ""


def recorded_lines(visit: dict[str, Any]) -> list[str]:
    """What the visit's record on the server holds, whichever phone or carer recorded it."""
    labels = {str(t["id"]): str(t.get("label", t["id"])) for t in visit.get("tasks") or []}
    labels |= {str(m["id"]): str(m.get("label", m["id"])) for m in visit.get("medications") or []}
    lines = []
    for key, words in (("task_outcomes", TASK_OUTCOMES), ("medication_outcomes", MEDICATION_OUTCOMES)):
        for item in visit.get(key) or []:
            outcome = words.get(item.get("outcome"), str(item.get("outcome")))
            note = f" ({item['note']})" if item.get("note") else ""
            lines.append(f"{labels.get(str(item.get('id')), item.get('id'))}: {outcome}{note} - {item['carer']['name']}")
    for note in visit.get("notes") or []:
        lines.append(f"Note by {note['carer']['name']}: {note.get('text', '')}")
    return lines
