"""Interventions: recorded with outcome and follow-up, due follow-ups on the caseload, requests the agency sees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import time_machine
from litestar.testing import TestClient
from sqlalchemy import select

from backend.domain.alerts.models import Alert
from backend.domain.telehealth.models import Enrolment
from shared.enums import AlertKind, AlertSeverity, AlertState
from shared.timekeeping import to_london, utc_now
from tests.support.database import Db

CASELOAD = "/api/v1/hub/caseload"
CLINICIAN = "clinician.demo"
Headers = Callable[[str], dict[str, str]]


def _supervisor_of(provider_id: int) -> str:
    return "supervisor.demo" if provider_id == 1 else f"supervisor.p{provider_id:03d}"


def _green_person(api: TestClient, headers: dict[str, str]) -> dict:
    items = api.get(CASELOAD, params={"limit": 500, "rag": "green"}, headers=headers).json()["items"]
    return items[0]


def test_a_follow_up_comes_onto_the_caseload_when_due(api: TestClient, headers_for: Headers) -> None:
    headers = headers_for(CLINICIAN)
    person = _green_person(api, headers)
    client_id = person["client"]["id"]
    today = to_london(utc_now()).date()
    body = {"kind": "phone_call", "outcome": "breathless on stairs, advised rescue pack",
            "follow_up_on": (today + timedelta(days=2)).isoformat()}
    url = f"/api/v1/hub/people/{client_id}/interventions"
    created = api.post(url, json=body, headers={**headers, "Idempotency-Key": "call-1"})
    assert created.status_code == 201, created.text
    replay = api.post(url, json=body, headers={**headers, "Idempotency-Key": "call-1"})
    assert replay.json()["id"] == created.json()["id"]
    listed = api.get(url, headers=headers).json()
    assert listed["total"] == 1 and listed["items"][0]["outcome"] == body["outcome"]

    def mine(caseload: dict) -> dict:
        return next(item for item in caseload["items"] if item["client"]["id"] == client_id)

    assert mine(api.get(CASELOAD, params={"limit": 500}, headers=headers).json())["rag"] == "green"
    with time_machine.travel(utc_now() + timedelta(days=2), tick=False):
        due = mine(api.get(CASELOAD, params={"limit": 500}, headers=headers_for(CLINICIAN)).json())
        assert due["rag"] == "amber"
        assert due["reasons"][-1] == (f"follow-up due: {today + timedelta(days=2):%d %b} after phone call "
                                      "(breathless on stairs, advised rescue pack)")
        # Calling again closes the follow-up that was due.
        done = api.post(url, json={"kind": "advice", "outcome": "better today"}, headers=headers_for(CLINICIAN))
        assert done.status_code == 201
        after = mine(api.get(CASELOAD, params={"limit": 500}, headers=headers_for(CLINICIAN)).json())
        assert not any(reason.startswith("follow-up due") for reason in after["reasons"])


def test_bad_interventions_are_refused(api: TestClient, headers_for: Headers, db: Db) -> None:
    headers = headers_for(CLINICIAN)
    client_id = _green_person(api, headers)["client"]["id"]
    url = f"/api/v1/hub/people/{client_id}/interventions"
    yesterday = (to_london(utc_now()).date() - timedelta(days=1)).isoformat()
    assert api.post(url, json={"kind": "phone_call", "outcome": "x", "follow_up_on": yesterday},
                    headers=headers).status_code == 400
    assert api.post(url, json={"kind": "seance", "outcome": "x"}, headers=headers).status_code == 400
    assert api.post(url, json={"kind": "phone_call", "outcome": ""}, headers=headers).status_code == 400
    enrolled = set(db.scalars(select(Enrolment.client_id)))
    stranger = next(n for n in range(2, 150) if n not in enrolled)
    assert api.post(f"/api/v1/hub/people/{stranger}/interventions", json={"kind": "phone_call", "outcome": "x"},
                    headers=headers).status_code == 404
    assert api.get(f"/api/v1/hub/people/{stranger}", headers=headers).status_code == 404


def test_an_intervention_acknowledges_the_persons_open_vitals_alerts(api: TestClient, headers_for: Headers,
                                                                     db: Db) -> None:
    headers = headers_for(CLINICIAN)
    person = _green_person(api, headers)
    client_id = person["client"]["id"]
    provider_id = db.scalars(select(Enrolment.provider_id).where(Enrolment.client_id == client_id))[0]
    db.execute(Alert.__table__.insert().values(  # type: ignore[attr-defined]
        provider_id=provider_id, client_id=client_id, kind=AlertKind.VITALS, severity=AlertSeverity.URGENT,
        state=AlertState.OPEN, message="NEWS2 7", dedupe_key=f"test-{client_id}", detail={}, escalation_level=0,
        created_at=utc_now()))
    red = next(i for i in api.get(CASELOAD, params={"limit": 500}, headers=headers).json()["items"]
               if i["client"]["id"] == client_id)
    assert (red["rag"], red["reasons"]) == ("red", ["unacknowledged urgent alert: NEWS2 7"])
    done = api.post(f"/api/v1/hub/people/{client_id}/interventions",
                    json={"kind": "emergency_999", "outcome": "ambulance called"}, headers=headers)
    assert done.json()["acknowledged_alerts"] == 1
    assert db.scalars(select(Alert.state).where(Alert.dedupe_key == f"test-{client_id}")) == [AlertState.ACKNOWLEDGED]


def test_the_agency_supervisor_sees_a_request_for_the_next_visit(api: TestClient, headers_for: Headers, db: Db) -> None:
    headers = headers_for(CLINICIAN)
    client_id = _green_person(api, headers)["client"]["id"]
    provider_id = db.scalars(select(Enrolment.provider_id).where(Enrolment.client_id == client_id))[0]
    api.post(f"/api/v1/hub/people/{client_id}/interventions", headers=headers,
             json={"kind": "phone_call", "outcome": "weight up 1.5 kg", "note": "private clinical note",
                   "for_next_visit": "Check ankles for swelling at the next visit"})
    supervisor = headers_for(_supervisor_of(provider_id))
    page = api.get("/api/v1/hub-visit-requests", params={"unseen": True}, headers=supervisor).json()
    (request,) = [item for item in page["items"] if item["client"]["id"] == client_id]
    assert request["for_next_visit"] == "Check ankles for swelling at the next visit"
    assert "note" not in request and request["seen_at"] is None
    other = _supervisor_of(provider_id % 3 + 1)
    assert client_id not in {i["client"]["id"] for i in
                             api.get("/api/v1/hub-visit-requests", headers=headers_for(other)).json()["items"]}
    assert api.post(f"/api/v1/hub-visit-requests/{request['id']}/seen", headers=headers_for(other)).status_code == 404
    assert api.post(f"/api/v1/hub-visit-requests/{request['id']}/seen", headers=supervisor).status_code == 204
    unseen = api.get("/api/v1/hub-visit-requests", params={"unseen": True}, headers=supervisor).json()
    assert request["id"] not in {item["id"] for item in unseen["items"]}
    assert api.get("/api/v1/hub-visit-requests", headers=headers_for("carer.demo")).status_code == 403


def test_opening_a_person_shows_readings_reasons_interventions_and_visits(api: TestClient, headers_for: Headers) -> None:
    headers = headers_for(CLINICIAN)
    red = api.get(CASELOAD, params={"rag": "red", "condition": "heart_failure"}, headers=headers).json()["items"][0]
    client_id = red["client"]["id"]
    api.post(f"/api/v1/hub/people/{client_id}/interventions", headers=headers,
             json={"kind": "medication_review", "outcome": "furosemide increased by GP"})
    person = api.get(f"/api/v1/hub/people/{client_id}", params={"weeks": 2}, headers=headers).json()
    assert person["rag"] == "red" and person["reasons"] == red["reasons"]
    assert person["enrolment"]["condition"] == "heart_failure"
    weights = [r for r in person["readings"] if r["sign"] == "body_weight"]
    assert 13 <= len(weights) <= 15 and weights == sorted(weights, key=lambda r: r["at"])
    assert [i["kind"] for i in person["interventions"]] == ["medication_review"]
    assert person["visits"] and all(set(v["carers"]) <= {c.split()[0] for c in v["carers"]} for v in person["visits"])
    assert {"id", "date", "planned_start", "status", "carers", "tasks"} <= set(person["visits"][0])
    assert date.fromisoformat(person["visits"][0]["date"]) >= to_london(utc_now()).date() - timedelta(days=14)
