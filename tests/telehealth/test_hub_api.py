"""The clinician's caseload and programme API over the demo city's hub, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from backend.domain.audit.models import AuditLog
from backend.domain.telehealth.models import Enrolment
from shared.enums import Condition, EnrolmentState
from tests.support.database import Db

CASELOAD = "/api/v1/hub/caseload"
ENROLMENTS = "/api/v1/hub/enrolments"
CLINICIAN = "clinician.demo"
Headers = Callable[[str], dict[str, str]]


@pytest.mark.parametrize("username", ["carer.demo", "supervisor.demo", "admin.demo", "commissioner.demo"])
def test_only_clinicians_see_the_caseload(api: TestClient, headers_for: Headers, username: str) -> None:
    response = api.get(CASELOAD, headers=headers_for(username))
    assert response.status_code == 403
    assert "clinician" in response.json()["detail"]


def test_the_caseload_lists_everyone_enrolled_most_urgent_first(api: TestClient, headers_for: Headers) -> None:
    page = api.get(CASELOAD, params={"limit": 500}, headers=headers_for(CLINICIAN)).json()
    assert (page["total"], page["limit"], page["offset"]) == (60, 500, 0)
    items = page["items"]
    assert set(items[0]) >= {"client", "rag", "reasons"} and set(items[0]["client"]) == {"id", "name"}
    colours = [item["rag"] for item in items]
    assert colours == sorted(colours, key=["red", "amber", "green"].index)
    reds = [item for item in items if item["rag"] == "red"]
    # The demo's deteriorating people (one in ten) are red with a trend or limit reason; the silent ones overdue.
    assert len(reds) >= 4 and all(item["reasons"] for item in reds)
    assert {item["condition"] for item in reds} == {"copd", "heart_failure", "diabetes"}
    overdue = [item for item in items if any("overdue" in reason for reason in item["reasons"])]
    assert len(overdue) >= 3 and all(item["rag"] != "green" for item in overdue)
    assert all(item["reasons"] == [] for item in items if item["rag"] == "green")
    paged = api.get(CASELOAD, params={"limit": 5, "offset": 5}, headers=headers_for(CLINICIAN)).json()
    assert [item["client"]["id"] for item in paged["items"]] == [item["client"]["id"] for item in items[5:10]]


def test_the_caseload_filters_by_condition_and_clinician(api: TestClient, headers_for: Headers) -> None:
    headers = headers_for(CLINICIAN)
    copd = api.get(CASELOAD, params={"condition": "copd", "limit": 500}, headers=headers).json()
    assert copd["total"] == 20 and {item["condition"] for item in copd["items"]} == {"copd"}
    two = api.get(CASELOAD, params={"condition": ["copd", "diabetes"]}, headers=headers).json()
    assert two["total"] == 40
    clinicians = api.get("/api/v1/hub/clinicians", headers=headers).json()
    assert len(clinicians) == 3
    mine = api.get(CASELOAD, params={"clinician_id": clinicians[0]["id"], "limit": 500}, headers=headers).json()
    assert mine["total"] == 20 and {item["clinician_id"] for item in mine["items"]} == {clinicians[0]["id"]}
    reds = api.get(CASELOAD, params={"rag": "red"}, headers=headers).json()
    assert reds["total"] >= 4 and {item["rag"] for item in reds["items"]} == {"red"}
    bad = api.get(CASELOAD, params={"condition": "gout"}, headers=headers)
    assert bad.status_code == 400


def _unenrolled_client(db: Db) -> int:
    enrolled = set(db.scalars(select(Enrolment.client_id)))
    return next(n for n in range(2, 150) if n not in enrolled)


def test_enrol_takes_the_condition_defaults_and_is_audited(api: TestClient, headers_for: Headers, db: Db) -> None:
    headers = headers_for(CLINICIAN)
    client_id = _unenrolled_client(db)
    response = api.post(ENROLMENTS, json={"client_id": client_id, "condition": "heart_failure"}, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "active" and body["client"]["id"] == client_id and body["client"]["name"]
    assert body["schedule"] == {"body_weight": 24.0, "systolic_bp": 24.0, "heart_rate": 24.0}
    assert body["thresholds"]["weight_gain_3d"] == {"amber_high": 1.0, "red_high": 2.0}
    assert body["devices"] == ["bathroom scales", "blood-pressure monitor"]
    assert (body["equipment_cost_pence"], body["monthly_cost_pence"]) == (15000, 2500)
    again = api.post(ENROLMENTS, json={"client_id": client_id, "condition": "copd"}, headers=headers)
    assert again.status_code == 409
    caseload = api.get(CASELOAD, params={"limit": 500}, headers=headers).json()
    new = next(item for item in caseload["items"] if item["client"]["id"] == client_id)
    assert new["rag"] == "amber" and any("no weight reading" in reason for reason in new["reasons"])
    actions = db.scalars(select(AuditLog.action).where(AuditLog.entity == "enrolment",
                                                       AuditLog.entity_id == str(body["id"])))
    assert actions == ["enrolment.enrol"]
    # The person's readings are now triaged with the heart-failure rules, through monitoring's profile service.
    provider = db.scalars(select(Enrolment.provider_id).where(Enrolment.id == body["id"]))[0]
    supervisor = "supervisor.demo" if provider == 1 else f"supervisor.p{provider:03d}"
    profile = api.get(f"/api/v1/clients/{client_id}/telehealth-profile", headers=headers_for(supervisor))
    assert profile.status_code == 200 and profile.json()["profile"] == "heart_failure"


def test_programme_changes_are_checked_and_audited(api: TestClient, headers_for: Headers, db: Db) -> None:
    headers = headers_for(CLINICIAN)
    enrolment_id = api.get(CASELOAD, headers=headers).json()["items"][0]["enrolment_id"]
    url = f"{ENROLMENTS}/{enrolment_id}"
    changed = api.patch(url, json={"thresholds": {"spo2": {"red_low": 86, "amber_low": 90}},
                                   "schedule": {"spo2": 12}}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["thresholds"] == {"spo2": {"red_low": 86.0, "amber_low": 90.0}}
    assert changed.json()["schedule"] == {"spo2": 12.0}
    assert api.patch(url, json={"thresholds": {"mood": {"red_low": 1}}}, headers=headers).status_code == 400
    assert api.patch(url, json={"schedule": {"spo2": 0}}, headers=headers).status_code == 400
    assert api.patch(url, json={"schedule": {"shoe_size": 24}}, headers=headers).status_code == 400
    detail = db.scalars(select(AuditLog.detail).where(AuditLog.action == "enrolment.change",
                                                      AuditLog.entity_id == str(enrolment_id)))
    assert detail[0]["changes"]["schedule"]["to"] == {"spo2": 12}


def test_step_down_needs_a_stable_spell_then_reads_less_often(api: TestClient, headers_for: Headers, db: Db) -> None:
    headers = headers_for(CLINICIAN)
    items = api.get(CASELOAD, params={"limit": 500, "condition": "diabetes"}, headers=headers).json()["items"]
    unstable = next(item for item in items if item["rag"] == "red")
    refused = api.post(f"{ENROLMENTS}/{unstable['enrolment_id']}/step-down", headers=headers)
    assert refused.status_code == 409 and "not stable" in refused.json()["detail"]
    stable = items[-1]
    assert stable["rag"] == "green"
    done = api.post(f"{ENROLMENTS}/{stable['enrolment_id']}/step-down", headers=headers)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["state"] == "stepped_down" and body["schedule"] == {"glucose": 36.0}
    assert body["thresholds"]["glucose"] == {"red_low": 3.0, "amber_low": 3.45, "amber_high": 16.95, "red_high": 20.0}
    twice = api.post(f"{ENROLMENTS}/{stable['enrolment_id']}/step-down", headers=headers)
    assert twice.status_code == 409
    assert db.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(stable["enrolment_id"]))) == [
        "enrolment.step_down"]
    fresh = api.post(ENROLMENTS, json={"client_id": _unenrolled_client(db), "condition": "diabetes"}, headers=headers)
    too_soon = api.post(f"{ENROLMENTS}/{fresh.json()['id']}/step-down", headers=headers)
    assert too_soon.status_code == 409 and "0 days ago" in too_soon.json()["detail"]


def test_a_discharged_person_leaves_the_caseload(api: TestClient, headers_for: Headers, db: Db) -> None:
    headers = headers_for(CLINICIAN)
    first = api.get(CASELOAD, headers=headers).json()["items"][0]
    url = f"{ENROLMENTS}/{first['enrolment_id']}"
    done = api.post(f"{url}/discharge", json={"reason": "moved out of the area"}, headers=headers)
    assert done.status_code == 200 and done.json()["state"] == "discharged"
    caseload = api.get(CASELOAD, params={"limit": 500}, headers=headers).json()
    assert caseload["total"] == 59 and first["client"]["id"] not in {i["client"]["id"] for i in caseload["items"]}
    assert api.post(f"{url}/discharge", json={"reason": "again"}, headers=headers).status_code == 409
    assert api.patch(url, json={"devices": ["scales"]}, headers=headers).status_code == 409
    assert api.post(f"{url}/discharge", json={"reason": ""}, headers=headers).status_code == 400
    states = db.scalars(select(Enrolment.state).where(Enrolment.id == first["enrolment_id"]))
    assert states == [EnrolmentState.DISCHARGED]
    # Enrolling again starts a new programme; the old one stays as it was.
    again = api.post(ENROLMENTS, json={"client_id": first["client"]["id"], "condition": Condition.COPD}, headers=headers)
    assert again.status_code == 201 and again.json()["id"] != first["enrolment_id"]


def test_a_clinician_outside_the_hub_area_cannot_enrol_or_read(api: TestClient, headers_for: Headers) -> None:
    headers = headers_for(CLINICIAN)
    assert api.post(ENROLMENTS, json={"client_id": 999999, "condition": "copd"}, headers=headers).status_code == 404
    assert api.get(f"{ENROLMENTS}/999999", headers=headers).status_code == 404
    assert api.get(f"{ENROLMENTS}/1", headers=headers_for("supervisor.demo")).status_code == 403
