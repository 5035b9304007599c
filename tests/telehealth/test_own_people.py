"""People the hub monitors who receive no home care: the hub enrols them into its own tenancy, no provider (nor a
commissioner's provider scope) ever sees them, and the hub sees them only while they are enrolled."""

from __future__ import annotations

from collections.abc import Callable

from litestar.testing import TestClient
from sqlalchemy import select

from backend.domain.accounts.models import Provider
from backend.domain.people.models import Client
from tests.support.database import Db

ENROLMENTS = "/api/v1/hub/enrolments"
CLINICIAN = "clinician.demo"
Headers = Callable[[str], dict[str, str]]
PERSON = {"name": "Ada Quayle", "address": "1 Dock Road, Liverpool", "postcode": "l3 4aa"}


def test_a_person_without_home_care_is_enrolled_into_the_hubs_own_tenancy(api: TestClient, headers_for: Headers,
                                                                          db: Db) -> None:
    headers = headers_for(CLINICIAN)
    made = api.post(ENROLMENTS, json={"person": PERSON, "condition": "copd", "phone": "07700 900555"}, headers=headers)
    assert made.status_code == 201, made.text
    client_id = made.json()["client"]["id"]
    assert made.json()["client"]["name"] == "Ada Quayle" and made.json()["schedule"]
    (client,) = db.scalars(select(Client).where(Client.id == client_id))
    (tenancy,) = db.scalars(select(Provider).where(Provider.id == client.provider_id))
    assert tenancy.hub_only and client.postcode == "L3 4AA" and client.ref.startswith("HUB001-")
    # Their readings are kept in the hub's tenancy and reach the caseload like anyone's.
    typed = api.post(f"/api/v1/hub/people/{client_id}/readings", json={"text": "sats 85 p 72"}, headers=headers)
    assert typed.status_code == 201, typed.text
    caseload = api.get("/api/v1/hub/caseload", params={"limit": 500}, headers=headers).json()
    mine = next(item for item in caseload["items"] if item["client"]["id"] == client_id)
    assert caseload["total"] == 61 and mine["rag"] == "red"
    assert api.get(f"/api/v1/hub/people/{client_id}", headers=headers).json()["readings"]
    # A second person shares the same tenancy.
    other = api.post(ENROLMENTS, json={"person": {**PERSON, "name": "Bo Quayle"}, "condition": "diabetes"},
                     headers=headers).json()
    (second,) = db.scalars(select(Client.provider_id).where(Client.id == other["client"]["id"]))
    assert second == client.provider_id


def test_no_provider_sees_the_hubs_own_people(api: TestClient, headers_for: Headers) -> None:
    made = api.post(ENROLMENTS, json={"person": PERSON, "condition": "heart_failure"}, headers=headers_for(CLINICIAN))
    client_id = made.json()["client"]["id"]
    for username in ("supervisor.demo", "admin.demo"):
        headers = headers_for(username)
        assert api.get(f"/api/v1/clients/{client_id}", headers=headers).status_code == 404
        assert api.get(f"/api/v1/clients/{client_id}/observations", headers=headers).status_code == 404
        listed = api.get("/api/v1/clients", params={"limit": 500}, headers=headers).json()["items"]
        assert client_id not in {item["id"] for item in listed}


def test_the_hub_sees_its_own_person_only_while_enrolled(api: TestClient, headers_for: Headers) -> None:
    headers = headers_for(CLINICIAN)
    made = api.post(ENROLMENTS, json={"person": PERSON, "condition": "copd"}, headers=headers).json()
    client_id = made["client"]["id"]
    done = api.post(f"{ENROLMENTS}/{made['id']}/discharge", json={"reason": "well again"}, headers=headers)
    assert done.status_code == 200
    assert api.get(f"/api/v1/hub/people/{client_id}", headers=headers).status_code == 404
    assert client_id not in {i["client"]["id"] for i in
                             api.get("/api/v1/hub/caseload", params={"limit": 500}, headers=headers).json()["items"]}
    again = api.post(ENROLMENTS, json={"client_id": client_id, "condition": "copd"}, headers=headers)
    assert again.status_code == 201 and again.json()["client"]["name"] == "Ada Quayle"


def test_an_enrolment_names_exactly_one_person(api: TestClient, headers_for: Headers) -> None:
    headers = headers_for(CLINICIAN)
    neither = api.post(ENROLMENTS, json={"condition": "copd"}, headers=headers)
    both = api.post(ENROLMENTS, json={"client_id": 2, "person": PERSON, "condition": "copd"}, headers=headers)
    assert neither.status_code == both.status_code == 400 and "either client_id" in neither.json()["detail"]
    nameless = api.post(ENROLMENTS, json={"person": {**PERSON, "name": ""}, "condition": "copd"}, headers=headers)
    assert nameless.status_code == 400
