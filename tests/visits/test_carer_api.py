"""The carer's day over HTTP: rota, check-in/out with verification, medication blocking, notes, concerns."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from tests.conftest import sign_in
from tests.support.visits import (
    all_given,
    double_handed_today,
    gps_at,
    key,
    now_iso,
    post,
    todays_rota,
    visit_not_assigned_to,
)

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py


def _with_medication(rota: list[dict]) -> dict:
    return next(v for v in rota if v["medications"])


def test_rota_lists_todays_visits_in_order_with_client_and_prompts(api: TestClient) -> None:
    rota = todays_rota(api, sign_in(api, "carer.demo"))
    assert rota, "the demo carer has visits today"
    starts = [v["planned_start"] for v in rota]
    assert starts == sorted(starts)
    first = rota[0]
    assert set(first["client"]) == {"id", "name", "address", "location", "access_notes"}
    assert set(first["client"]["location"]) == {"lat", "lon"}
    assert first["status"] == "planned" and first["verified"] is None and first["my_check_in"] is None
    assert all({"id", "label"} <= set(t) for v in rota for t in v["tasks"])
    assert all({"id", "label", "dose", "time_critical"} <= set(m) for v in rota for m in v["medications"])


def test_a_whole_visit_gps_in_medication_blocked_then_out(api: TestClient) -> None:
    headers = sign_in(api, "carer.demo")
    visit = _with_medication(todays_rota(api, headers))
    base = f"/api/v1/visits/{visit['id']}"

    checked_in = post(api, f"{base}/check-in", headers, {"at": now_iso(-1), **gps_at(visit, 40)})
    assert checked_in.status_code == 201, checked_in.text
    body = checked_in.json()
    assert body["verified"] is True and body["reason"] is None
    assert 30 < body["distance_m"] < 50 and body["visit"]["status"] == "in_progress"

    note = post(api, f"{base}/notes", headers, {"at": now_iso(), "text": "Client in good spirits; ate breakfast."})
    assert note.status_code == 201 and note.json()["event_id"]

    blocked = post(api, f"{base}/check-out", headers, {"at": now_iso(), **gps_at(visit)})
    assert blocked.status_code == 422
    assert blocked.headers["content-type"].startswith("application/problem+json")
    assert blocked.json()["missing_medications"] == [m["id"] for m in visit["medications"]]
    assert visit["medications"][0]["label"] in blocked.json()["detail"]

    done = post(api, f"{base}/check-out", headers, {"at": now_iso(), **gps_at(visit), **all_given(visit)})
    assert done.status_code == 201, done.text
    assert done.json()["visit"]["status"] == "completed"

    again = post(api, f"{base}/check-out", headers, {"at": now_iso(), **gps_at(visit), **all_given(visit)})
    assert again.status_code == 409 and "already checked out" in again.json()["detail"]
    after = next(v for v in todays_rota(api, headers) if v["id"] == visit["id"])
    assert after["status"] == "completed" and after["verified"] is True and after["my_check_out"]


def test_check_out_before_check_in_and_double_check_in_are_409(api: TestClient) -> None:
    headers = sign_in(api, "carer.demo")
    visit = todays_rota(api, headers)[-1]
    base = f"/api/v1/visits/{visit['id']}"
    early = post(api, f"{base}/check-out", headers, {"at": now_iso(), **gps_at(visit), **all_given(visit)})
    assert early.status_code == 409 and "check in first" in early.json()["detail"]
    assert post(api, f"{base}/check-in", headers, {"at": now_iso(), **gps_at(visit)}).status_code == 201
    twice = post(api, f"{base}/check-in", headers, {"at": now_iso(), **gps_at(visit)})
    assert twice.status_code == 409 and "already checked in" in twice.json()["detail"]


def test_outside_geofence_and_manual_are_unverified_and_go_to_review(api: TestClient) -> None:
    carer = sign_in(api, "carer.demo")
    rota = todays_rota(api, carer)
    far, manual = rota[0], rota[1]
    outside = post(api, f"/api/v1/visits/{far['id']}/check-in", carer, {"at": now_iso(), **gps_at(far, 800)})
    assert outside.status_code == 201
    assert outside.json()["verified"] is False and outside.json()["reason"] == "outside_geofence"
    by_hand = post(api, f"/api/v1/visits/{manual['id']}/check-in", carer,
                   {"at": now_iso(), "method": "manual", "reason": "no_signal"})
    # how late depends on the hour the suite runs at; tests/security/test_visit_record.py checks the minutes
    assert by_hand.json() | {"event_id": 0, "late_start_minutes": None} == {
        "event_id": 0, "verified": False, "distance_m": None, "reason": "manual_no_signal",
        "visit": {"id": manual["id"], "status": "in_progress"}, "late_start_minutes": None,
        "delivered_after_missed": False}

    supervisor = sign_in(api, "supervisor.demo")
    pending = api.get("/api/v1/reviews?limit=500", headers=supervisor).json()["items"]
    ours = {outside.json()["event_id"], by_hand.json()["event_id"]}
    # Late last night's unverified checks may still wait for the office too, so look for these two.
    assert ours <= {p["event_id"] for p in pending}
    assert all(p["event_id"] not in ours or p["visit_id"] in (far["id"], manual["id"]) for p in pending)
    board = api.get("/api/v1/board?limit=500", headers=supervisor).json()
    states = {v["id"]: v["state"] for v in board["visits"]["items"]}
    assert states[far["id"]] == states[manual["id"]] == "unverified"

    decided = api.post(f"/api/v1/visit-events/{by_hand.json()['event_id']}/review", json={"decision": "approve"},
                       headers=supervisor)
    assert decided.status_code == 200 and decided.json()["review_state"] == "approved"
    board = api.get("/api/v1/board?limit=500", headers=supervisor).json()
    assert {v["id"]: v["state"] for v in board["visits"]["items"]}[manual["id"]] == "in_progress"
    assert api.post(f"/api/v1/visit-events/{by_hand.json()['event_id']}/review", json={"decision": "reject"},
                    headers=supervisor).status_code == 409


def test_home_tag_verifies_until_rotated(api: TestClient) -> None:
    carer, admin = sign_in(api, "carer.demo"), sign_in(api, "admin.demo")
    rota = todays_rota(api, carer)
    visit = rota[0]
    client_id = visit["client"]["id"]
    tag = api.get(f"/api/v1/clients/{client_id}/tag", headers=admin).json()["tag"]
    png = api.get(f"/api/v1/clients/{client_id}/tag.png", headers=admin)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    scanned = post(api, f"/api/v1/visits/{visit['id']}/check-in", carer, {"at": now_iso(), "method": "qr", "tag": tag})
    assert scanned.json()["verified"] is True
    rotated = api.post(f"/api/v1/clients/{client_id}/tag/rotate", headers=admin).json()
    assert rotated["tag"] != tag
    out = post(api, f"/api/v1/visits/{visit['id']}/check-out", carer,
               {"at": now_iso(), "method": "nfc", "tag": tag, **all_given(visit)})
    assert out.json()["verified"] is False and out.json()["reason"] == "tag_rotated"
    other_home = next(v for v in rota if v["client"]["id"] != client_id)
    wrong = post(api, f"/api/v1/visits/{other_home['id']}/check-in", carer, {"at": now_iso(), "method": "qr", "tag": rotated["tag"]})
    assert wrong.json()["reason"] == "tag_other_home"


def test_device_time_window_and_bad_input(api: TestClient) -> None:
    headers = sign_in(api, "carer.demo")
    visit = todays_rota(api, headers)[0]
    path = f"/api/v1/visits/{visit['id']}/check-in"
    future = post(api, path, headers, {"at": now_iso(10), **gps_at(visit)})
    assert future.status_code == 422 and "future" in future.json()["detail"]
    stale = post(api, path, headers, {"at": now_iso(-73 * 60), **gps_at(visit)})
    assert stale.status_code == 422 and "offline window" in stale.json()["detail"]
    naive = post(api, path, headers, {"at": "2026-01-01T10:00:00", **gps_at(visit)})
    assert naive.status_code == 400 and "at" in naive.json()["detail"]
    unknown = post(api, path, headers, {"at": now_iso(), **gps_at(visit), "colour": "blue"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["detail"]
    no_key = api.post(path, json={"at": now_iso(), **gps_at(visit)}, headers=headers)
    assert no_key.status_code == 400 and "Idempotency-Key" in no_key.json()["detail"]
    no_location = post(api, path, headers, {"at": now_iso(), "method": "gps"})
    assert no_location.status_code == 400 and "location" in no_location.json()["detail"]
    within_skew = post(api, path, headers, {"at": now_iso(3), **gps_at(visit)})
    assert within_skew.status_code == 201


def test_carers_act_only_on_their_own_visits(api: TestClient, seeded_db_url: str) -> None:
    headers = sign_in(api, "carer.demo")
    colleague_visit = visit_not_assigned_to(seeded_db_url, "carer.demo", provider_id=1)
    other_provider_visit = visit_not_assigned_to(seeded_db_url, "carer.demo", provider_id=2)
    body = {"at": now_iso(), "method": "manual", "reason": "no_signal"}
    assert post(api, f"/api/v1/visits/{colleague_visit}/check-in", headers, body).status_code == 403
    assert post(api, f"/api/v1/visits/{other_provider_visit}/check-in", headers, body).status_code == 404
    assert api.get("/api/v1/board", headers=headers).status_code == 403
    supervisor = sign_in(api, "supervisor.demo")
    assert post(api, f"/api/v1/visits/{colleague_visit}/check-in", supervisor, body).status_code == 403


def test_double_handed_visit_completes_when_both_carers_check_out(api: TestClient, seeded_db_url: str) -> None:
    visit_id, (first, second) = double_handed_today(seeded_db_url)
    carers = [sign_in(api, first), sign_in(api, second)]
    rota = {v["id"]: v for v in todays_rota(api, carers[0])}
    visit = rota[visit_id]
    assert visit["carers_needed"] == 2 and len(visit["co_carers"]) == 1
    base = f"/api/v1/visits/{visit_id}"
    for headers in carers:
        assert post(api, f"{base}/check-in", headers, {"at": now_iso(), **gps_at(visit)}).status_code == 201
    first_out = post(api, f"{base}/check-out", carers[0], {"at": now_iso(), **gps_at(visit), **all_given(visit)})
    assert first_out.json()["visit"]["status"] == "in_progress"
    second_out = post(api, f"{base}/check-out", carers[1], {"at": now_iso(), **gps_at(visit), **all_given(visit)})
    assert second_out.json()["visit"]["status"] == "completed"


def test_each_carer_sees_what_the_other_recorded_and_whom_the_visit_waits_for(api: TestClient, seeded_db_url: str) -> None:
    visit_id, (first, second) = double_handed_today(seeded_db_url)
    a, b = sign_in(api, first), sign_in(api, second)

    def seen_by(headers: dict[str, str]) -> dict:
        return {v["id"]: v for v in todays_rota(api, headers)}[visit_id]

    visit = seen_by(a)
    (partner,) = visit["co_carers"]
    (me,) = seen_by(b)["co_carers"]
    base = f"/api/v1/visits/{visit_id}"
    assert post(api, f"{base}/check-in", a, {"at": now_iso(), **gps_at(visit)}).status_code == 201
    assert seen_by(b)["waiting_for"] == [{"id": me["id"], "name": me["name"], "to": "check_out"}]
    assert seen_by(a)["waiting_for"] == [{"id": partner["id"], "name": partner["name"], "to": "check_in"}]

    assert post(api, f"{base}/notes", a, {"at": now_iso(), "text": "Hoist battery low."}).status_code == 201
    outcomes = all_given(visit)
    assert post(api, f"{base}/check-out", a, {"at": now_iso(), **gps_at(visit), **outcomes}).status_code == 201
    record = seen_by(b)
    assert record["waiting_for"] == [] and record["co_carers"][0]["checked_out"] is not None
    assert [(n["text"], n["carer"]["name"]) for n in record["notes"]] == [("Hoist battery low.", me["name"])]
    assert sorted(o["id"] for o in record["task_outcomes"]) == sorted(t["task_id"] for t in outcomes["task_outcomes"])
    assert {o["carer"]["name"] for o in record["task_outcomes"] + record["medication_outcomes"]} <= {me["name"]}
    assert seen_by(a)["waiting_for"] == [{"id": partner["id"], "name": partner["name"], "to": "check_in"}]


def test_concern_opens_an_alert_the_supervisor_can_handle(api: TestClient) -> None:
    carer, supervisor = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo")
    visit = todays_rota(api, carer)[0]
    idem = key()
    raised = post(api, f"/api/v1/visits/{visit['id']}/concerns", carer,
                  {"at": now_iso(), "category": "safeguarding", "text": "Unexplained bruising on forearm."}, idem)
    assert raised.status_code == 201
    replay = post(api, f"/api/v1/visits/{visit['id']}/concerns", carer,
                  {"at": now_iso(), "category": "safeguarding", "text": "Unexplained bruising on forearm."}, idem)
    assert replay.status_code == 200 and replay.json() == raised.json()
    alert_id = raised.json()["alert_id"]
    board_alerts = {a["id"]: a for a in api.get("/api/v1/board", headers=supervisor).json()["alerts"]["items"]}
    assert board_alerts[alert_id]["kind"] == "concern" and board_alerts[alert_id]["severity"] == "urgent"
    assert api.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=supervisor).json()["state"] == "acknowledged"
    assert api.post(f"/api/v1/alerts/{alert_id}/resolve", headers=supervisor).json()["state"] == "resolved"
    assert alert_id not in {a["id"] for a in api.get("/api/v1/board", headers=supervisor).json()["alerts"]["items"]}


def test_case_note_reads_are_audited_and_carers_cannot_list_alerts(api: TestClient, seeded_db_url: str) -> None:
    from sqlalchemy import select

    from backend.domain.audit.models import AuditLog
    from tests.support.visits import query

    carer, supervisor = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo")
    visit = todays_rota(api, carer)[0]
    post(api, f"/api/v1/visits/{visit['id']}/notes", carer, {"at": now_iso(), "text": "Fridge nearly empty."})
    notes = api.get(f"/api/v1/visits/{visit['id']}/case-notes", headers=supervisor).json()["items"]
    assert [n["text"] for n in notes] == ["Fridge nearly empty."]
    reads = query(seeded_db_url, select(AuditLog.action, AuditLog.entity_id).where(AuditLog.action == "case_notes.read"))
    assert reads == [("case_notes.read", str(visit["id"]))]
    assert api.get("/api/v1/alerts", headers=carer).status_code == 403


def test_amendment_needs_a_second_person(api: TestClient) -> None:
    carer, supervisor, admin = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo"), sign_in(api, "admin.demo")
    visit = todays_rota(api, carer)[0]
    proposed = api.post(f"/api/v1/visits/{visit['id']}/amendments", headers=supervisor,
                        json={"reason_code": "client_in_hospital", "changes": {"status": "cancelled"}})
    assert proposed.status_code == 201, proposed.text
    amendment = proposed.json()
    assert amendment["state"] == "pending" and amendment["original"]["status"] == "planned"
    own = api.post(f"/api/v1/amendments/{amendment['id']}/approve", headers=supervisor)
    assert own.status_code == 403
    approved = api.post(f"/api/v1/amendments/{amendment['id']}/approve", headers=admin)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert next(v for v in todays_rota(api, carer) if v["id"] == visit["id"])["status"] == "cancelled"
    late = post(api, f"/api/v1/visits/{visit['id']}/check-in", carer, {"at": now_iso(), **gps_at(visit)})
    assert late.status_code == 409 and "cancelled" in late.json()["detail"]
    pending = api.get("/api/v1/amendments?state=pending", headers=supervisor).json()
    assert amendment["id"] not in {a["id"] for a in pending["items"]}
