"""The person's record as web pages over HTTP: exactly what consent allows, consent changed and invitations sent
from the pages, and an invitation's one-time link accepted."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from tests.record.test_record import CONCERN, CONFIDENTIAL, SHARED_NOTE
from tests.telehealth.test_pages import csrf_of, page_sign_in


def _sections_shared(html: str) -> dict[str, bool]:
    """For each part of the record page, whether it is shown (not the 'has not shared' line)."""
    sections = re.findall(r'<section class="part" id="([\w-]+)"(.*?)</section>', html, re.S)
    return {part: "has not shared" not in body for part, body in sections}


def test_the_client_and_their_daughter_see_exactly_what_consent_allows(api: TestClient) -> None:
    assert page_sign_in(api, "/me", "clinician.demo").status_code == 403  # type: ignore[attr-defined]
    assert page_sign_in(api, "/me", "client.demo").status_code == 303  # type: ignore[attr-defined]
    mine = api.get("/me/record")
    assert mine.status_code == 200 and "<h1>Your care record</h1>" in mine.text
    assert _sections_shared(mine.text) == {"upcoming": True, "care-plan": True, "readings": True, "past": True,
                                           "notes": True}
    assert SHARED_NOTE in mine.text and CONFIDENTIAL not in mine.text and CONCERN not in mine.text
    assert 'class="chart reading-chart"' in mine.text and 'href="/me/people"' in mine.text

    api.cookies.clear()
    page_sign_in(api, "/me", "family.demo")
    theirs = api.get("/me/record").text
    assert _sections_shared(theirs) == {"upcoming": True, "care-plan": True, "readings": True, "past": True,
                                        "notes": False}
    for text in (SHARED_NOTE, CONFIDENTIAL, CONCERN):
        assert text not in theirs
    assert 'href="/me/people"' not in theirs and api.get("/me/people").status_code == 403


def test_the_client_withdraws_consent_at_once_and_invites_by_a_one_time_link(api: TestClient) -> None:
    page_sign_in(api, "/me", "client.demo")
    people = api.get("/me/people").text
    member_id = int(re.findall(r'data-member-id="(\d+)"', people)[0])
    token = csrf_of(people)
    assert api.post(f"/me/people/{member_id}/consents", data={"visits": "on", "csrf_token": "forged"}).status_code == 403
    saved = api.post(f"/me/people/{member_id}/consents", data={"visits": "on", "csrf_token": token})
    assert saved.status_code == 200 and "can now see: visits." in saved.text

    invited = api.post("/me/people/invite", data={"name": "Dr Amir Khan", "email": "reception@gp.example",
                                                  "relationship": "gp_practice", "can_see_readings": "on",
                                                  "csrf_token": token})
    link = re.search(r'id="invitation-link">([^<]+)<', invited.text)
    assert invited.status_code == 200 and link and "/me/accept?token=" in link.group(1)
    path = link.group(1).split("testserver.local", 1)[-1]
    pending = re.search(r'<ul class="visits" id="pending">(.*?)</ul>', invited.text, re.S)
    assert pending and "Dr Amir Khan" in pending.group(1) and "Will see: readings." in pending.group(1)

    # A second invitation, sent by mistake, is withdrawn from the page: its link stops working.
    mistaken = api.post("/me/people/invite", data={"name": "Wrong Person", "email": "wrong@example.org",
                                                   "relationship": "friend", "csrf_token": token})
    wrong_link = re.search(r'id="invitation-link">([^<]+)<', mistaken.text)
    assert wrong_link
    wrong_id = re.findall(r'data-invitation-id="(\d+)"', mistaken.text)[-1]
    assert api.post(f"/me/people/invitations/{wrong_id}/withdraw", data={"csrf_token": "forged"}).status_code == 403
    withdrawn = api.post(f"/me/people/invitations/{wrong_id}/withdraw", data={"csrf_token": token})
    assert withdrawn.status_code == 200 and "Invitation withdrawn" in withdrawn.text
    assert "Wrong Person" not in withdrawn.text and "Dr Amir Khan" in withdrawn.text

    api.cookies.clear()
    page_sign_in(api, "/me", "family.demo")
    assert _sections_shared(api.get("/me/record").text)["readings"] is False, "withdrawn at their very next read"

    api.cookies.clear()
    form = api.get(path)
    fields = {"token": path.split("token=", 1)[1], "username": "gp.khan", "password": "staple orbit lantern 42",
              "password_again": "staple orbit lantern 42", "csrf_token": csrf_of(form.text)}
    mismatch = api.post("/me/accept", data={**fields, "password_again": "other"})
    assert mismatch.status_code == 400 and "The two passwords are not the same." in mismatch.text
    accepted = api.post("/me/accept", data={**fields, "csrf_token": csrf_of(mismatch.text)})
    assert accepted.status_code == 200 and "Your account is ready" in accepted.text
    assert api.post("/me/accept", data={**fields, "csrf_token": csrf_of(accepted.text)}).status_code in (403, 404)
    wrong_token = wrong_link.group(1).split("token=", 1)[1]
    wrong = api.post("/me/accept", data={**fields, "token": wrong_token, "username": "wrong.person",
                                         "csrf_token": csrf_of(api.get(f"/me/accept?token={wrong_token}").text)})
    assert wrong.status_code == 404, "a withdrawn invitation's link no longer works"
    assert page_sign_in(api, "/me", "gp.khan", "staple orbit lantern 42").status_code == 303  # type: ignore[attr-defined]
    assert api.get("/me/people").status_code == 403, "an invited person does not decide who sees the record"
    assert _sections_shared(api.get("/me/record").text) == {"upcoming": False, "care-plan": False, "readings": True,
                                                            "past": False, "notes": False}
