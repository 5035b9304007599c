"""Carer actions as outbox entries: evidence, medication blocking, drafts, local status."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.core.outbox import Outbox
from mobile.core.visit_actions import (
    ActionRefused,
    CheckOutBlocked,
    Evidence,
    VisitActions,
    VisitDraft,
    local_state,
)

VISIT = {
    "id": 11, "status": "planned", "verified": None, "my_check_in": None, "my_check_out": None,
    "tasks": [{"id": 1, "label": "Breakfast"}, {"id": 2, "label": "Wash"}],
    "medications": [{"id": "m1", "label": "Metformin", "dose": "500 mg", "time_critical": True},
                    {"id": "m2", "label": "Paracetamol", "dose": "1 g", "time_critical": False}],
}
GPS = Evidence("gps", location={"lat": 53.4, "lon": -2.98, "accuracy_m": 12})


def test_evidence_bodies() -> None:
    assert GPS.body() == {"method": "gps", "location": {"lat": 53.4, "lon": -2.98, "accuracy_m": 12}}
    assert Evidence("qr", tag=" abc ").body() == {"method": "qr", "tag": "abc"}
    assert Evidence("manual", reason="no_signal").body() == {"method": "manual", "reason": "no_signal"}
    for bad in (Evidence("gps"), Evidence("qr", tag=""), Evidence("manual"), Evidence("manual", reason="bored")):
        with pytest.raises(ActionRefused):
            bad.body()


def test_check_out_blocked_until_every_medication_has_an_outcome(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db")
    actions = VisitActions(outbox)
    draft = VisitDraft(outbox, VISIT)
    with pytest.raises(ActionRefused, match="Check in before"):
        actions.check_out(VISIT, GPS, draft)
    actions.check_in(VISIT, GPS)
    with pytest.raises(ActionRefused, match="already checked in"):
        actions.check_in(VISIT, GPS)
    draft.set_task(1, "done")
    draft.set_medication("m1", "given")
    with pytest.raises(CheckOutBlocked) as blocked:
        actions.check_out(VISIT, GPS, draft)
    assert blocked.value.missing == ["Paracetamol"] and "Paracetamol" in str(blocked.value)
    draft.set_medication("m2", "other")  # "other" needs a note
    with pytest.raises(CheckOutBlocked):
        actions.check_out(VISIT, GPS, draft)
    draft.set_medication("m2", "other", "client had some at 7am")
    # the draft survives a restart of the app
    draft = VisitDraft(Outbox(tmp_path / "o.db"), VISIT)
    action = actions.check_out(VISIT, GPS, draft)
    assert action.kind == "check_out"
    assert action.payload["task_outcomes"] == [{"task_id": "1", "outcome": "done", "note": ""}]
    assert {m["medication_id"]: m["outcome"] for m in action.payload["medication_outcomes"]} == {"m1": "given", "m2": "other"}
    with pytest.raises(ActionRefused, match="already checked out"):
        actions.check_out(VISIT, GPS, draft)


def test_note_and_concern(tmp_path: Path) -> None:
    actions = VisitActions(Outbox(tmp_path / "o.db"))
    assert actions.note(VISIT, "  ate well ").payload == {"text": "ate well"}
    assert actions.concern(VISIT, "health", "bruise on arm").payload == {"category": "health", "text": "bruise on arm"}
    with pytest.raises(ActionRefused):
        actions.note(VISIT, "   ")
    with pytest.raises(ActionRefused):
        actions.concern(VISIT, "gossip", "x")


def test_local_state_overlays_unsynced_actions(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db")
    actions = VisitActions(outbox)
    state = local_state(VISIT, [])
    assert (state.status, state.checked_in, state.sync_label) == ("planned", False, "synced")
    check_in = actions.check_in(VISIT, GPS)
    state = local_state(VISIT, outbox.for_visit(11))
    assert (state.status, state.checked_in, state.unsynced) == ("in_progress", True, 1)
    assert state.sync_label == "1 waiting to sync"
    outbox.record_results([{"idempotency_key": check_in.idempotency_key, "status": "applied",
                            "result": {"event_id": 4, "verified": False, "distance_m": 900, "reason": "outside_geofence",
                                       "visit": {"id": 11, "status": "in_progress"}}}])
    state = local_state(VISIT, outbox.for_visit(11))
    assert state.verified is False and state.unsynced == 0
    note = actions.note(VISIT, "x")
    outbox.record_results([{"idempotency_key": note.idempotency_key, "status": "rejected",
                            "problem": {"detail": "visit is not yours"}}])
    state = local_state(VISIT, outbox.for_visit(11))
    assert state.rejected == ("note: visit is not yours",) and state.sync_label == "1 rejected"


def test_proof_after_an_unverified_check_in_is_queued_and_verifies_it(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db")
    actions = VisitActions(outbox)
    with pytest.raises(ActionRefused, match="while you are checked in"):
        actions.proof(VISIT, GPS)
    check_in = actions.check_in(VISIT, Evidence("gps", location={"lat": 53.4, "lon": -2.98, "accuracy_m": 3000}))
    outbox.record_results([{"idempotency_key": check_in.idempotency_key, "status": "applied",
                            "result": {"event_id": 4, "verified": False, "distance_m": 5, "reason": "poor_accuracy",
                                       "visit": {"id": 11, "status": "in_progress"}}}])
    with pytest.raises(ActionRefused, match="GPS position or a scanned tag"):
        actions.proof(VISIT, Evidence("manual", reason="no_signal"))
    proof = actions.proof(VISIT, Evidence("qr", tag="DC1.1.11.1.abc"))
    assert (proof.kind, proof.payload) == ("proof", {"method": "qr", "tag": "DC1.1.11.1.abc"})
    outbox.record_results([{"idempotency_key": proof.idempotency_key, "status": "applied",
                            "result": {"event_id": 5, "verified": True, "check_in_verified": True,
                                       "visit": {"id": 11, "status": "in_progress"}}}])
    assert local_state(VISIT, outbox.for_visit(11)).verified is True
    with pytest.raises(ActionRefused, match="already verified"):
        actions.proof(VISIT, GPS)
