"""The hub's web pages over HTTP: who may open them, the worklist's order and filters, the forms and their CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from litestar.testing import TestClient
from sqlalchemy import select

from backend.domain.telehealth.models import Enrolment
from fixtures.city import DEMO_PASSWORD
from shared.timekeeping import to_london, utc_now
from tests.support.database import Db


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def page_sign_in(api: TestClient, prefix: str, username: str, password: str = DEMO_PASSWORD) -> object:
    """Sign in on a site's sign-in form (``prefix`` such as ``/hub``), as a browser would."""
    form = api.get(f"{prefix}/sign-in")
    return api.post(f"{prefix}/sign-in", data={"username": username, "password": password,
                                               "csrf_token": csrf_of(form.text), "next": prefix},
                    follow_redirects=False)


RANK = {"red": 0, "amber": 1, "green": 2}


def test_only_clinicians_open_the_hub_pages_and_the_worklist_is_most_urgent_first(api: TestClient, db: Db) -> None:
    anonymous = api.get("/hub/caseload", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/hub/sign-in?next=/hub/caseload"
    refused = page_sign_in(api, "/hub", "supervisor.demo")
    assert refused.status_code == 403 and "These pages are for the telehealth hub" in refused.text  # type: ignore[attr-defined]
    assert page_sign_in(api, "/hub", "clinician.demo").status_code == 303  # type: ignore[attr-defined]
    # the hub's page session opens neither the API nor the commissioner's pages
    assert api.get("/api/v1/hub/caseload").status_code == 401
    assert api.get("/commissioner", follow_redirects=False).headers["location"].startswith("/commissioner/sign-in")

    page = api.get("/hub/caseload")
    assert page.status_code == 200 and 'rel="next" href="/hub/caseload?condition=&amp;clinician=&amp;rag=&amp;offset=50"' in page.text
    rest = api.get("/hub/caseload", params={"offset": 50}).text
    colours = re.findall(r'<tr class="(red|amber|green)" data-client-id="(\d+)"', page.text + rest)
    enrolled = db.scalars(select(Enrolment.client_id).where(Enrolment.state != "discharged"))
    assert sorted(int(c) for _, c in colours) == sorted(enrolled)
    assert [RANK[c] for c, _ in colours] == sorted(RANK[c] for c, _ in colours)
    assert colours[0][0] == "red" and "red limit" in page.text

    copd = api.get("/hub/caseload", params={"condition": "copd", "rag": "red"}).text
    ids = {int(c) for c in re.findall(r'data-client-id="(\d+)"', copd)}
    copd_ids = set(db.scalars(select(Enrolment.client_id).where(Enrolment.condition == "copd")))
    assert ids and ids <= copd_ids and set(re.findall(r'<tr class="(\w+)" data-client-id', copd)) == {"red"}
    assert api.get("/hub/caseload", params={"condition": "gout"}).status_code == 400


def test_the_forms_record_an_intervention_whose_follow_up_comes_due_and_a_reading(api: TestClient) -> None:
    page_sign_in(api, "/hub", "clinician.demo")
    worklist = api.get("/hub/caseload").text
    client_id = int(re.findall(r'data-client-id="(\d+)"', worklist)[0])
    person = api.get(f"/hub/people/{client_id}")
    assert person.status_code == 200 and person.text.count('class="chart reading-chart"') >= 1
    assert 'class="limit"' in person.text, "the person's limits are drawn on the charts"
    today = to_london(utc_now()).date()
    form = {"kind": "phone_call", "outcome": "Advised to start rescue pack", "note": "", "for_next_visit": "",
            "follow_up_on": (today + timedelta(days=2)).isoformat(), "idempotency_key": "form-1"}
    assert api.post(f"/hub/people/{client_id}/interventions", data={**form, "csrf_token": "forged"}).status_code == 403
    done = api.post(f"/hub/people/{client_id}/interventions", data={**form, "csrf_token": csrf_of(person.text)},
                    follow_redirects=False)
    assert done.status_code == 303 and re.fullmatch(rf"/hub/people/{client_id}\?intervention=\d+", done.headers["location"])
    shown = api.get(done.headers["location"]).text
    assert "Phone call recorded. Follow-up on" in shown and shown.count('data-intervention-id="') == 1
    again = api.post(f"/hub/people/{client_id}/interventions", data={**form, "csrf_token": csrf_of(person.text)})
    assert again.text.count('data-intervention-id="') == 1, "a form sent twice is recorded once"
    past = api.post(f"/hub/people/{client_id}/interventions",
                    data={**form, "idempotency_key": "form-2", "follow_up_on": "2020-01-01",
                          "csrf_token": csrf_of(person.text)})
    assert past.status_code == 400 and "is in the past" in past.text and 'value="Advised to start rescue pack"' in past.text

    with time_machine.travel(utc_now() + timedelta(days=2), tick=True):
        page_sign_in(api, "/hub", "clinician.demo")  # the page session of two days ago has ended
        row = re.search(rf'<tr class="\w+" data-client-id="{client_id}".*?</tr>', api.get("/hub/caseload").text, re.S)
        assert row and "follow-up due" in row.group(0) and "after phone call (Advised to start rescue pack)" in row.group(0)

    person = api.get(f"/hub/people/{client_id}")  # signed in afresh: the new session's CSRF token
    reading = api.post(f"/hub/people/{client_id}/readings",
                       data={"text": "BP 132/84 P 71", "csrf_token": csrf_of(person.text), "idempotency_key": "r-1"})
    assert "3 readings recorded and triaged." in reading.text
    unread = api.post(f"/hub/people/{client_id}/readings",
                      data={"text": "sats 940", "csrf_token": csrf_of(person.text), "idempotency_key": "r-2"})
    assert unread.status_code == 400 and "Nothing was recorded: Sorry, sats 940 does not look right" in unread.text


def test_the_person_page_steps_a_stable_person_down_and_discharges_with_a_reason(api: TestClient, db: Db) -> None:
    page_sign_in(api, "/hub", "clinician.demo")
    reds = api.get("/hub/caseload", params={"condition": "diabetes", "rag": "red"}).text
    greens = api.get("/hub/caseload", params={"condition": "diabetes", "rag": "green"}).text
    unstable = int(re.findall(r'data-client-id="(\d+)"', reds)[0])
    stable = int(re.findall(r'data-client-id="(\d+)"', greens)[-1])

    person = api.get(f"/hub/people/{unstable}").text
    assert 'id="step-down-form"' in person
    assert api.post(f"/hub/people/{unstable}/step-down", data={"csrf_token": "forged"}).status_code == 403
    refused = api.post(f"/hub/people/{unstable}/step-down", data={"csrf_token": csrf_of(person)})
    assert refused.status_code == 409 and "Not stepped down: not stable for" in refused.text

    person = api.get(f"/hub/people/{stable}").text
    done = api.post(f"/hub/people/{stable}/step-down", data={"csrf_token": csrf_of(person)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/hub/people/{stable}?stepped_down=true"
    shown = api.get(done.headers["location"]).text
    assert "Stepped down: readings are expected less often" in shown and "stepped down since" in shown
    assert 'id="step-down-form"' not in shown, "a stepped-down person is not stepped down again"
    assert "every 36 h" in shown
    # The notice comes from the record: the address alone does not claim a step-down.
    assert "Stepped down:" not in api.get(f"/hub/people/{unstable}?stepped_down=true").text

    blank = api.post(f"/hub/people/{stable}/discharge", data={"reason": "  ", "csrf_token": csrf_of(shown)})
    assert blank.status_code == 400 and "Not discharged: give the reason" in blank.text
    gone = api.post(f"/hub/people/{stable}/discharge", data={"reason": "Moved to Wirral", "csrf_token": csrf_of(shown)},
                    follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/hub/caseload?discharged=true"
    caseload = api.get(gone.headers["location"]).text
    assert "Discharged: the person has left the caseload" in caseload
    assert f'data-client-id="{stable}"' not in caseload + api.get("/hub/caseload", params={"offset": 50}).text
    assert api.get(f"/hub/people/{stable}").status_code == 404
    row = db.scalars(select(Enrolment).where(Enrolment.client_id == stable))[0]
    assert (row.state, row.discharge_reason) == ("discharged", "Moved to Wirral")
