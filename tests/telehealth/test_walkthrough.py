"""Issue 19's "done when", in Chromium: the clinician works the caseload, opens a deteriorating person, records an
intervention and sees its follow-up come due; a texted reading reaches the worklist; the client and their daughter
each see exactly what consent allows. Every page is saved as a screenshot and checked with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from sqlalchemy import select

from backend.domain.telehealth.models import Enrolment
from backend.domain.telehealth.sms import twilio_signature
from fixtures.city import DEMO_PASSWORD
from shared.timekeeping import to_london, utc_now
from tests.conftest import make_settings
from tests.record.test_record import CONCERN, CONFIDENTIAL, SHARED_NOTE
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, live_app, look, wcag_violations
from tests.support.database import Db
from tests.telehealth.conftest import SMS_TOKEN


@pytest.fixture
def city(db_factory: Any, tmp_path: Path) -> Iterator[tuple[str, Db]]:
    """The demo city served in a thread (with an SMS gateway token), and helpers over its database."""
    if db_factory.backend != "sqlite":
        pytest.skip("the browser walk-through runs once, on SQLite; the pages' queries run on PostgreSQL over HTTP")
    url = db_factory.new("seeded")
    helper = Db(url)
    with live_app(make_settings(url, tmp_path, sms_auth_token=SMS_TOKEN)) as base:
        yield base, helper
    helper.close()


def _sign_in(page: Any, base: str, start: str, username: str, screenshot: str | None = None) -> None:
    page.goto(f"{base}{start}")
    assert "/sign-in" in page.url
    if screenshot:
        look(page, screenshot)
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.sign-in button[type=submit]")
    page.wait_for_load_state()


def _text_in(base: str, phone: str, body: str) -> str:
    """A text message as the gateway posts it, signed with its auth token."""
    url = f"{base}/api/v1/sms/inbound"
    form = {"MessageSid": "SMwalkthrough1", "From": phone, "To": "+447700900999", "Body": body}
    answer = httpx.post(url, data=form, headers={"X-Twilio-Signature": twilio_signature(SMS_TOKEN, url, form)})
    assert answer.status_code == 200, answer.text
    return answer.text


def _row(page: Any, client_id: int) -> Any:
    return page.locator(f"#caseload tr[data-client-id='{client_id}']")


def test_the_hub_and_the_record_in_chromium(city: tuple[str, Db]) -> None:
    from playwright.sync_api import sync_playwright

    base, db = city
    today = to_london(utc_now()).date()
    phones = {e.client_id: e.phone for e in db.scalars(select(Enrolment))}  # before Playwright runs its event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            hub = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
            _sign_in(hub, base, "/hub", "clinician.demo", "hub-sign-in")
            hub.wait_for_url("**/hub/caseload")
            look(hub, "hub-caseload")
            colours = hub.locator("#caseload tbody tr").evaluate_all("rows => rows.map(r => r.dataset.rag)")
            assert colours[0] == "red" and colours == sorted(colours, key=["red", "amber", "green"].index)

            # A green COPD person texts a saturation past the red limit: on the worklist as red at once.
            hub.select_option("#condition", "copd")
            hub.select_option("#rag", "green")
            hub.click("form.filters button[type=submit]")
            hub.wait_for_url("**/hub/caseload?condition=copd*")
            texter = int(hub.locator("#caseload tbody tr").first.get_attribute("data-client-id"))
            assert "Thank you, received: sats 85" in _text_in(base, phones[texter], "sats 85 this morning")
            hub.goto(f"{base}/hub/caseload?condition=copd")
            assert _row(hub, texter).get_attribute("data-rag") == "red"
            assert "SpO2 85% below red limit 88 (" in _row(hub, texter).inner_text()

            # Works down the caseload: opens the first deteriorating person and records a call with a follow-up.
            hub.goto(f"{base}/hub/caseload")
            first = hub.locator("#caseload tbody tr").first
            person_id = int(first.get_attribute("data-client-id"))
            first.locator("a").click()
            hub.wait_for_url(f"**/hub/people/{person_id}")
            assert hub.locator("#rag").inner_text() == "Red" and hub.locator("#reasons li").count() >= 1
            assert hub.locator("#charts svg line.limit").count() >= 2, "thresholds are drawn on the charts"
            look(hub, "hub-person")
            follow_up = today + timedelta(days=1)
            hub.select_option("#kind", "phone_call")
            hub.fill("#outcome", "Breathless on exertion; advised to start the rescue pack")
            hub.fill("#follow_up_on", follow_up.isoformat())
            hub.fill("#for_next_visit", "Check ankles for swelling")
            hub.click("#intervention-form button[type=submit]")
            hub.wait_for_url(f"**/hub/people/{person_id}?intervention=*")
            assert hub.locator("#notice").inner_text() == f"Phone call recorded. Follow-up on {follow_up:%A %-d %B}."
            assert hub.locator("#interventions tbody tr").count() == 1
            hub.fill("#reading-text", "sats 91 p 96")
            hub.click("#reading-form button[type=submit]")
            assert hub.locator("#notice").inner_text() == "2 readings recorded and triaged."

            with time_machine.travel(utc_now() + timedelta(days=1), tick=True):  # the next morning
                _sign_in(hub, base, "/hub/caseload", "clinician.demo")  # yesterday's page session has ended
                hub.wait_for_url("**/hub/caseload")
                row = _row(hub, person_id).inner_text()
                assert f"follow-up due: {follow_up:%d %b} after phone call" in row
                look(hub, "hub-caseload-next-day")
                hub.set_viewport_size({"width": 390, "height": 844})  # on a phone the table scrolls, not the page
                look(hub, "hub-caseload-phone")
                assert hub.evaluate("document.documentElement.scrollWidth") <= 390
                _row(hub, person_id).locator("a").click()
                hub.wait_for_url(f"**/hub/people/{person_id}")
                look(hub, "hub-person-phone")
                assert hub.evaluate("document.documentElement.scrollWidth") <= 390

            # The client sees everything they may, on a phone; they manage who sees what and invite someone.
            phone_size = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "locale": "en-GB"}
            client = browser.new_context(**phone_size).new_page()
            _sign_in(client, base, "/me", "client.demo", "record-sign-in")
            client.wait_for_url("**/me/record")
            look(client, "record-client")
            assert client.locator("#upcoming li").count() >= 1 and client.locator("#readings svg").count() >= 1
            notes = client.locator("#notes").inner_text()
            assert SHARED_NOTE in notes and CONFIDENTIAL not in notes and CONCERN not in client.content()
            client.click("header a[href='/me/people']")
            client.fill("#name", "Sam Carter")
            client.fill("#email", "sam@example.org")
            client.check("input[name=can_see_visits]")
            client.click("form.stacked button[type=submit]")
            link = client.locator("#invitation-link").inner_text()
            look(client, "record-people")
            stranger = browser.new_context(**phone_size).new_page()
            stranger.goto(link)
            look(stranger, "record-accept")

            # Their daughter sees visits and readings, never a note.
            family = browser.new_context(**phone_size).new_page()
            _sign_in(family, base, "/me", "family.demo")
            family.wait_for_url("**/me/record")
            look(family, "record-family")
            assert family.locator("#notes").inner_text().endswith("has not shared the carers' notes with you.")
            assert family.locator("#upcoming li").count() >= 1 and family.locator("#readings svg").count() >= 1
            for text in (SHARED_NOTE, CONFIDENTIAL, CONCERN):
                assert text not in family.content()

            # The client takes readings back: their daughter's very next page no longer has them.
            client.uncheck(".person form.choices input[name=readings]")
            client.click(".person form.choices button[type=submit]")
            assert client.locator("#notice").inner_text().endswith("can now see: visits.")
            family.reload()
            assert family.locator("#readings").inner_text().endswith("has not shared their readings with you.")
            assert family.locator("#readings svg").count() == 0
        finally:
            browser.close()


def test_the_accessibility_check_finds_violations_when_there_are_some() -> None:
    """Guards the guard: axe-core runs inside the page and reports WCAG A/AA failures."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
            found = {line.split(" ", 1)[0] for line in wcag_violations(page)}
            assert {"image-alt", "label", "html-has-lang", "document-title"} <= found
        finally:
            browser.close()
