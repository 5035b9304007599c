"""The person's own record: exactly what consent allows, revocable at once, audited; never concerns or confidential notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from backend.domain.audit.models import AuditLog
from backend.domain.record.models import RecordMember
from backend.domain.visits.models import VisitEvent
from shared.enums import VisitEventKind
from tests.conftest import sign_in
from tests.support.database import Db

RECORD = "/api/v1/me/record"
Headers = Callable[[str], dict[str, str]]
SHARED_NOTE = "Ate all of her breakfast"
CONFIDENTIAL = "Daughter and son disagree"
CONCERN = "Unexplained bruising"


def _texts(payload: Any) -> str:
    return str(payload)


def test_the_client_sees_visits_readings_and_shared_notes_but_never_concerns_or_confidential_notes(
        api: TestClient, headers_for: Headers) -> None:
    record = api.get(RECORD, headers=headers_for("client.demo"))
    assert record.status_code == 200, record.text
    body = record.json()
    assert set(body) >= {"client", "visits", "readings", "notes"} and body["client"]["name"]
    assert body["visits"] and body["readings"] and body["can_see"] == ["notes", "readings", "visits"]
    assert all(len(name.split()) == 1 for visit in body["visits"] for name in visit["carers"])  # first names only
    assert [note["text"][:24] for note in body["notes"]] == [SHARED_NOTE]
    assert CONFIDENTIAL not in _texts(body) and CONCERN not in _texts(body)


def test_a_family_member_without_consent_for_notes_never_sees_a_note(api: TestClient, headers_for: Headers,
                                                                     db: Db) -> None:
    family = headers_for("family.demo")
    body = api.get(RECORD, headers=family).json()
    assert body["visits"] and body["readings"] and body["notes"] == [] and body["can_see"] == ["readings", "visits"]
    notes = db.scalars(select(VisitEvent.payload).where(VisitEvent.kind.in_([VisitEventKind.NOTE, VisitEventKind.CONCERN])))
    # No route a family member can call shows any note text: the record, the staff APIs (refused) and the hub's.
    client_id = body["client"]["id"]
    for path in (RECORD, "/api/v1/me/record/people", f"/api/v1/clients/{client_id}", "/api/v1/board",
                 f"/api/v1/clients/{client_id}/observations", "/api/v1/hub/caseload", f"/api/v1/hub/people/{client_id}",
                 "/api/v1/hub-visit-requests", "/api/v1/alerts", "/api/v1/me"):
        response = api.get(path, headers=family)
        for payload in notes:
            assert payload["text"] not in response.text, path
    visit_id = body["visits"][0]["id"]
    for path in (f"/api/v1/visits/{visit_id}/case-notes", f"/api/v1/clients/{client_id}/family-contacts"):
        assert api.get(path, headers=family).status_code in (403, 404), path


def test_consent_given_and_withdrawn_applies_at_the_next_read_and_is_audited(api: TestClient, headers_for: Headers,
                                                                             db: Db) -> None:
    client, family = headers_for("client.demo"), headers_for("family.demo")
    people = api.get("/api/v1/me/record/people", headers=client).json()
    daughter = next(p for p in people if p["relationship"] == "family")
    assert daughter["can_see"] == ["readings", "visits"]
    url = f"/api/v1/me/record/people/{daughter['id']}/consents"
    assert api.put(url, json={"notes": True}, headers=client).json()["can_see"] == ["notes", "readings", "visits"]
    assert [n["text"][:24] for n in api.get(RECORD, headers=family).json()["notes"]] == [SHARED_NOTE]
    assert api.put(url, json={"notes": False, "readings": False}, headers=client).status_code == 200
    after = api.get(RECORD, headers=family).json()  # the same token: consent is read at every request
    assert after["notes"] == [] and after["readings"] == [] and after["visits"]
    assert api.put(url, json={"notes": True}, headers=family).status_code == 403  # only the client decides
    assert api.put(url, json={"mood": True}, headers=client).status_code == 400
    changes = db.scalars(select(AuditLog.detail).where(AuditLog.action == "record.consent").order_by(AuditLog.id))
    assert [(c["category"], c["granted"]) for c in changes] == [("notes", True), ("readings", False), ("notes", False)]
    reads = db.scalars(select(AuditLog.detail).where(AuditLog.action == "record.read").order_by(AuditLog.id))
    assert reads[-1]["sections"] == ["visits"] and len(reads) == 2
    api.delete(f"/api/v1/me/record/people/{daughter['id']}", headers=client)
    assert api.get(RECORD, headers=family).status_code == 403


def test_an_invitation_link_works_once_and_the_attorney_decides(api: TestClient, headers_for: Headers) -> None:
    client = headers_for("client.demo")
    invited = api.post("/api/v1/me/record/invitations", headers=client, json={
        "email": "sam@example.org", "name": "Sam Hughes", "relationship": "family", "attorney": True,
        "can_see": ["visits"]})
    assert invited.status_code == 201, invited.text
    token = invited.json()["link"].split("token=")[1]
    accept = {"token": token, "username": "sam.hughes", "password": "correct horse battery"}
    assert api.post("/api/v1/record/invitations/accept", json={**accept, "password": "short"}).status_code == 400
    assert api.post("/api/v1/record/invitations/accept", json=accept).status_code == 201
    assert api.post("/api/v1/record/invitations/accept", json={**accept, "username": "sam.two"}).status_code == 404
    sam = sign_in(api, "sam.hughes", "correct horse battery")
    record = api.get(RECORD, headers=sam).json()
    assert record["can_see"] == ["notes", "readings", "visits"]  # an attorney acts for the person
    people = api.get("/api/v1/me/record/people", headers=sam).json()
    family = next(p for p in people if p["name"] != "Sam Hughes" and p["relationship"] == "family")
    assert api.put(f"/api/v1/me/record/people/{family['id']}/consents", json={"visits": False},
                   headers=sam).status_code == 200
    assert api.post("/api/v1/me/record/invitations", headers=headers_for("family.demo"), json={
        "email": "x@example.org", "name": "X", "relationship": "friend"}).status_code == 403


@pytest.mark.parametrize("username", ["carer.demo", "supervisor.demo", "clinician.demo", "commissioner.demo"])
def test_staff_have_no_personal_record(api: TestClient, headers_for: Headers, username: str) -> None:
    assert api.get(RECORD, headers=headers_for(username)).status_code == 403


def test_members_are_tied_to_one_client(db: Db) -> None:
    members = db.scalars(select(RecordMember))
    assert {m.relationship for m in members} == {"self", "family"} and len({m.client_id for m in members}) == 1


def test_an_invitation_not_accepted_can_be_withdrawn_and_its_link_then_fails(api: TestClient, headers_for: Headers,
                                                                             db: Db) -> None:
    client = headers_for("client.demo")
    invitations = "/api/v1/me/record/invitations"
    invited = api.post(invitations, headers=client, json={
        "email": "pat@example.org", "name": "Pat Jones", "relationship": "friend", "can_see": ["visits", "notes"]})
    assert invited.status_code == 201, invited.text
    invitation_id, token = invited.json()["id"], invited.json()["link"].split("token=")[1]
    pending = api.get(invitations, headers=client).json()
    assert [(p["id"], p["name"], p["can_see"]) for p in pending if p["id"] == invitation_id] == [
        (invitation_id, "Pat Jones", ["notes", "visits"])]

    # Only the person (or their attorney) withdraws, and only their own record's invitations.
    assert api.delete(f"{invitations}/{invitation_id}", headers=headers_for("family.demo")).status_code == 403
    assert api.delete(f"{invitations}/999999", headers=client).status_code == 404
    assert api.delete(f"{invitations}/{invitation_id}", headers=client).status_code == 204
    assert invitation_id not in [p["id"] for p in api.get(invitations, headers=client).json()]
    assert api.delete(f"{invitations}/{invitation_id}", headers=client).status_code == 404, "withdrawn already"
    accept = {"token": token, "username": "pat.jones", "password": "correct horse battery"}
    assert api.post("/api/v1/record/invitations/accept", json=accept).status_code == 404
    audit = db.scalars(select(AuditLog).where(AuditLog.action == "record.withdraw_invitation"))
    assert [(a.entity_id, a.detail["client_id"]) for a in audit] == [
        (str(invitation_id), api.get(RECORD, headers=client).json()["client"]["id"])]

    # An accepted invitation is not withdrawn: the person is taken off the record instead.
    second = api.post(invitations, headers=client, json={"email": "lee@example.org", "name": "Lee Park",
                                                          "relationship": "family"}).json()
    assert api.post("/api/v1/record/invitations/accept", json={
        "token": second["link"].split("token=")[1], "username": "lee.park",
        "password": "correct horse battery"}).status_code == 201
    refused = api.delete(f"{invitations}/{second['id']}", headers=client)
    assert refused.status_code == 400 and "take the person off the record" in refused.json()["detail"]
