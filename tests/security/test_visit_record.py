"""The visit record cannot be bent: idempotency keys bound to their request, GPS fixes that prove
nothing, and a visit marked missed that was delivered after all (issue 14, items 7 to 9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from backend.domain.alerts.models import Alert
from backend.domain.operations.visit_watch import watch_visits
from backend.domain.visits.models import VisitEvent
from shared.enums import AlertKind, AlertState
from shared.timekeeping import LONDON, utc_now
from tests.conftest import make_settings, sign_in
from tests.support.database import Db
from tests.support.visits import all_given, gps_at, key, now_iso, post, todays_rota

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py

DIFFERENT = "already used for a different request"


def _sync(api: TestClient, headers: dict[str, str], *actions: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.post("/api/v1/sync", json={"actions": list(actions)}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def _action(idem: str, kind: str, visit: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    return {"idempotency_key": idem, "kind": kind, "visit_id": visit["id"], "at": now_iso(-1), "payload": payload}


# -- item 7: an idempotency key is bound to the request it was first used for ----------------------


def test_a_key_reused_for_another_visit_kind_or_body_is_refused_and_a_replay_still_answers(api: TestClient, db: Db) -> None:
    carer = sign_in(api, "carer.demo")
    first, second = todays_rota(api, carer)[:2]
    idem = key()
    checked_in = post(api, f"/api/v1/visits/{first['id']}/check-in", carer, {"at": now_iso(), **gps_at(first)}, idem)
    assert checked_in.status_code == 201, checked_in.text

    other_visit = post(api, f"/api/v1/visits/{second['id']}/check-in", carer, {"at": now_iso(), **gps_at(second)}, idem)
    other_kind = post(api, f"/api/v1/visits/{first['id']}/notes", carer, {"at": now_iso(), "text": "Ate lunch."}, idem)
    other_body = post(api, f"/api/v1/visits/{first['id']}/check-in", carer,
                      {"at": now_iso(), "method": "manual", "reason": "no_signal"}, idem)
    for refused in (other_visit, other_kind, other_body):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert DIFFERENT in refused.json()["detail"]

    replay = post(api, f"/api/v1/visits/{first['id']}/check-in", carer, {"at": now_iso(), **gps_at(first)}, idem)
    assert replay.status_code == 200 and replay.json() == checked_in.json()
    stored = db.scalars(select(VisitEvent.visit_id).where(VisitEvent.idempotency_key == idem))
    assert stored == [first["id"]], "nothing of the refused requests was stored"
    second_after = next(v for v in todays_rota(api, carer) if v["id"] == second["id"])
    assert second_after["my_check_in"] is None


def test_a_note_keeps_its_first_text_and_a_different_one_under_its_key_is_refused(api: TestClient) -> None:
    carer, supervisor = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo")
    visit = todays_rota(api, carer)[0]
    idem = key()
    path = f"/api/v1/visits/{visit['id']}/notes"
    assert post(api, path, carer, {"at": now_iso(), "text": "Client had a fall last night."}, idem).status_code == 201
    changed = post(api, path, carer, {"at": now_iso(), "text": "All fine."}, idem)
    assert changed.status_code == 422 and DIFFERENT in changed.json()["detail"]
    notes = api.get(f"/api/v1/visits/{visit['id']}/case-notes", headers=supervisor).json()["items"]
    assert [n["text"] for n in notes] == ["Client had a fall last night."]


def test_sync_refuses_a_reused_key_per_action_and_replays_an_identical_one(api: TestClient) -> None:
    carer = sign_in(api, "carer.demo")
    first, second = todays_rota(api, carer)[:2]
    note_key, check_key = key(), key()
    note = _action(note_key, "note", first, {"text": "Made breakfast."})
    check_in = _action(check_key, "check_in", first, gps_at(first))
    assert [r["status"] for r in _sync(api, carer, note, check_in)] == ["applied", "applied"]

    results = _sync(
        api, carer,
        note,  # the same action again: a duplicate with its first result
        {**note, "payload": {"text": "Made lunch."}},  # another body
        {**note, "visit_id": second["id"]},  # another visit
        _action(check_key, "note", first, {"text": "x"}),  # another kind
        _action(key(), "note", second, {"text": "A new note is applied."}),
    )
    assert [r["status"] for r in results] == ["duplicate", "rejected", "rejected", "rejected", "applied"]
    assert all(r["problem"]["status"] == 422 and DIFFERENT in r["problem"]["detail"] for r in results[1:4])
    # the same action through the direct endpoint is the same request: a replay, not a refusal
    direct = post(api, f"/api/v1/visits/{first['id']}/check-in", carer, {"at": now_iso(), **gps_at(first)}, check_key)
    assert direct.status_code == 200 and direct.json()["verified"] is True


# -- item 8: a fix worse than the accuracy cap proves nothing; proof can follow later ---------------


def test_a_3_km_fix_at_the_door_is_unverified_and_a_better_fix_later_verifies_the_check_in(api: TestClient) -> None:
    carer, supervisor = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo")
    visit = todays_rota(api, carer)[0]
    base = f"/api/v1/visits/{visit['id']}"
    vague = post(api, f"{base}/check-in", carer, {"at": now_iso(-5), **gps_at(visit, 5, accuracy_m=3_000)})
    assert vague.status_code == 201, vague.text
    assert (vague.json()["verified"], vague.json()["reason"]) == (False, "poor_accuracy")
    pending = api.get("/api/v1/reviews?limit=500", headers=supervisor).json()["items"]
    assert vague.json()["event_id"] in {p["event_id"] for p in pending}

    again = post(api, f"{base}/check-in", carer, {"at": now_iso(), **gps_at(visit)})
    assert again.status_code == 409, "a second check-in is still refused: proof has its own action"
    still_poor = post(api, f"{base}/proof", carer, {"at": now_iso(-2), **gps_at(visit, 5, accuracy_m=500)})
    assert still_poor.status_code == 201, still_poor.text
    assert still_poor.json() | {"event_id": 0} == {
        "event_id": 0, "verified": False, "distance_m": pytest.approx(5, abs=1), "reason": "poor_accuracy",
        "check_in_verified": False, "visit": {"id": visit["id"], "status": "in_progress"}}

    proof = post(api, f"{base}/proof", carer, {"at": now_iso(), **gps_at(visit, 20, accuracy_m=10)})
    assert proof.status_code == 201, proof.text
    assert proof.json()["verified"] is True and proof.json()["check_in_verified"] is True
    assert next(v for v in todays_rota(api, carer) if v["id"] == visit["id"])["verified"] is True
    pending = api.get("/api/v1/reviews?limit=500", headers=supervisor).json()["items"]
    assert vague.json()["event_id"] not in {p["event_id"] for p in pending}
    board = api.get("/api/v1/board?limit=500", headers=supervisor).json()
    assert {v["id"]: v["state"] for v in board["visits"]["items"]}[visit["id"]] == "in_progress"

    verified_already = post(api, f"{base}/proof", carer, {"at": now_iso(), **gps_at(visit)})
    assert verified_already.status_code == 409 and "already verified" in verified_already.json()["detail"]


def test_proof_by_tag_through_sync_and_what_proof_cannot_do(api: TestClient) -> None:
    carer, admin = sign_in(api, "carer.demo"), sign_in(api, "admin.demo")
    visit, unvisited = todays_rota(api, carer)[:2]
    tag = api.get(f"/api/v1/clients/{visit['client']['id']}/tag", headers=admin).json()["tag"]

    not_checked_in = post(api, f"/api/v1/visits/{unvisited['id']}/proof", carer, {"at": now_iso(), "method": "qr", "tag": tag})
    assert not_checked_in.status_code == 409 and "check in first" in not_checked_in.json()["detail"]
    manual = post(api, f"/api/v1/visits/{visit['id']}/proof", carer, {"at": now_iso(), "method": "manual"})
    assert manual.status_code == 400 and "GPS fix or a scanned home tag" in manual.json()["detail"]

    results = _sync(api, carer,
                    _action(key(), "check_in", visit, {"method": "manual", "reason": "no_signal"}),
                    _action(key(), "proof", visit, {"method": "qr", "tag": tag}),
                    _action(key(), "check_out", visit, {**gps_at(visit), **all_given(visit)}))
    assert [r["status"] for r in results] == ["applied", "applied", "applied"], results
    assert results[0]["result"]["verified"] is False
    assert results[1]["result"]["check_in_verified"] is True
    assert results[2]["result"]["visit"]["status"] == "completed"
    assert next(v for v in todays_rota(api, carer) if v["id"] == visit["id"])["verified"] is True
    after = post(api, f"/api/v1/visits/{visit['id']}/proof", carer, {"at": now_iso(), "method": "qr", "tag": tag})
    assert after.status_code == 409


# -- item 9: a visit marked missed that was delivered after all ---------------------------------------


def test_a_check_in_to_a_missed_visit_is_accepted_as_late_and_finance_counts_a_late_start(
    api: TestClient, db: Db, tmp_path: Any
) -> None:
    carer, supervisor, admin = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo"), sign_in(api, "admin.demo")
    now = utc_now()
    visit = db.carer_visits("carer.demo")[0]
    start = now - timedelta(minutes=95)
    db.plan(visit.id, start, now - timedelta(minutes=50))
    db.run(watch_visits(db.sessionmaker, make_settings(db.url, tmp_path), now))
    missed = db.scalars(select(Alert).where(Alert.visit_id == visit.id, Alert.kind == AlertKind.MISSED_VISIT))
    assert [a.state for a in missed] == [AlertState.OPEN]

    body = {"at": now_iso(), "method": "manual", "reason": "no_signal"}
    checked_in = post(api, f"/api/v1/visits/{visit.id}/check-in", carer, body)
    assert checked_in.status_code == 201, checked_in.text
    answer = checked_in.json()
    assert answer["visit"]["status"] == "in_progress"
    assert answer["delivered_after_missed"] is True and answer["late_start_minutes"] == pytest.approx(95, abs=1)
    assert [a.state for a in db.scalars(select(Alert).where(Alert.id == missed[0].id))] == [AlertState.RESOLVED]

    day = start.astimezone(LONDON).date()
    board = api.get("/api/v1/board", params={"date": str(day), "limit": 500}, headers=supervisor).json()
    row = next(v for v in board["visits"]["items"] if v["id"] == visit.id)
    assert row["status"] == "in_progress" and row["delivered_after_missed"] is True
    assert row["late_start_minutes"] == answer["late_start_minutes"]

    meds = [{"medication_id": m["id"], "outcome": "given"} for m in visit.medications]
    out = post(api, f"/api/v1/visits/{visit.id}/check-out", carer,
               {**body, "at": now_iso(), "medication_outcomes": meds})
    assert out.status_code == 201, out.text
    supervisor_ok = api.post(f"/api/v1/visit-events/{answer['event_id']}/review", json={"decision": "approve"},
                             headers=supervisor)
    assert supervisor_ok.status_code == 200
    sunday = day + timedelta(days=6 - day.weekday())
    week = api.get(f"/api/v1/finance/reconciliation/clients/{visit.client_id}",
                   params={"week_ending": str(sunday)}, headers=admin)
    assert week.status_code == 200, week.text
    billed = next(v for v in week.json()["visits"] if v["visit_id"] == visit.id)
    assert billed["late"] is True and billed["status"] == "completed"
    assert billed["carers"][0]["comment"].startswith(f"late start {answer['late_start_minutes']} min")
