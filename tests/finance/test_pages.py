"""The commissioner's web pages: session cookie, CSRF and roles over HTTP, then end to end in headless Chromium."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from fixtures.city import DEMO_PASSWORD
from tests.conftest import make_settings
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, live_app, look



def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has a CSRF token"
    return match.group(1)


def _sign_in(api: TestClient, username: str, password: str = DEMO_PASSWORD) -> object:
    form = api.get("/commissioner/sign-in")
    return api.post("/commissioner/sign-in", data={"username": username, "password": password,
                                                   "csrf_token": _csrf(form.text), "next": "/commissioner"},
                    follow_redirects=False)


def test_pages_need_a_session_and_a_csrf_token(shared_api: TestClient, last_week: date) -> None:
    api = shared_api
    api.cookies.clear()
    week_page = f"/commissioner/weeks/{last_week.isoformat()}"
    anonymous = api.get(week_page, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/commissioner/sign-in?next=")
    api.get("/commissioner/sign-in")
    forged = api.post("/commissioner/sign-in", data={"username": "commissioner.demo", "password": DEMO_PASSWORD,
                                                     "csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403 and "domicare_session" not in forged.cookies
    assert _sign_in(api, "commissioner.demo", "wrong").status_code == 401
    carer = _sign_in(api, "carer.demo")
    assert carer.status_code == 403 and "domicare_session" not in carer.cookies

    signed_in = _sign_in(api, "commissioner.demo")
    assert signed_in.status_code == 303
    set_cookie = signed_in.headers["set-cookie"].lower()
    assert "domicare_session=" in set_cookie and "httponly" in set_cookie and "path=/commissioner" in set_cookie
    page = api.get(week_page)
    assert page.status_code == 200 and "PRV003" in page.text and "<svg" in page.text
    # the API's bearer auth does not accept the page cookie, and the pages ignore bearer tokens
    assert api.get("/api/v1/finance/reconciliation", params={"week_ending": last_week.isoformat()}).status_code == 401
    assert api.get(f"/commissioner/weeks/{last_week.isoformat()}/providers/99").status_code == 403
    assert api.get("/commissioner/weeks/2025-01-06").status_code == 404
    bad_sign_out = api.post("/commissioner/sign-out", data={"csrf_token": "nope"}, follow_redirects=False)
    assert bad_sign_out.status_code == 403
    out = api.post("/commissioner/sign-out", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert api.get(week_page, follow_redirects=False).status_code == 303


def test_provider_admin_sees_only_their_provider_on_the_pages(shared_api: TestClient, last_week: date) -> None:
    api = shared_api
    api.cookies.clear()
    assert _sign_in(api, "admin.demo").status_code == 303
    page = api.get(f"/commissioner/weeks/{last_week.isoformat()}")
    assert "PRV001" in page.text and "PRV002" not in page.text
    assert api.get(f"/commissioner/weeks/{last_week.isoformat()}/providers/2").status_code == 403
    download = api.post(f"/commissioner/weeks/{last_week.isoformat()}/download",
                        data={"format": "abacus-csv", "provider_id": "2", "csrf_token": _csrf(page.text)})
    assert download.status_code == 403


# ---------------------------------------------------------------- Chromium end to end



@pytest.fixture
def live_server(db_factory: Any, tmp_path: Path) -> Iterator[str]:
    """The app over a freshly seeded city, served in a thread."""
    if db_factory.backend != "sqlite":
        pytest.skip("the browser test runs once, on SQLite; the pages' queries are covered on PostgreSQL over HTTP")
    with live_app(make_settings(db_factory.new("seeded"), tmp_path)) as url:
        yield url


def _minutes(page: object, selector: str) -> int:
    return int(page.locator(selector).first.get_attribute("data-minutes"))  # type: ignore[attr-defined]


def test_commissioner_signs_in_drills_down_and_downloads_matching_files(live_server: str, last_week: date,
                                                                       tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(f"{live_server}/commissioner")
            assert "/commissioner/sign-in" in page.url
            page.fill("#username", "commissioner.demo")
            page.fill("#password", DEMO_PASSWORD)
            page.click("form.sign-in button[type=submit]")
            page.wait_for_url(f"**/commissioner/weeks/{last_week.isoformat()}")
            assert page.locator("#providers tbody tr").count() == 3
            assert page.locator("svg rect.bar").count() == 9
            week_billable = _minutes(page, "#week-totals [data-field=billable_hours]")
            row = page.locator("#providers tr[data-provider-ref=PRV001]")
            provider_billable = int(row.locator("[data-field=billable_hours]").get_attribute("data-minutes"))
            provider_delivered = int(row.locator("[data-field=delivered_hours]").get_attribute("data-minutes"))
            assert row.locator("[data-field=billable_hours]").inner_text() == f"{provider_billable / 60:,.2f}"
            assert 0 < provider_billable < week_billable

            with page.expect_download() as csv_info:
                row.locator("button[data-download=abacus-csv]").click()
            rows = list(csv.DictReader(io.StringIO(Path(csv_info.value.path()).read_text())))
            assert sum(int(r["ClaimedDuration"]) for r in rows) == provider_billable
            assert sum(int(r["ActualDuration"]) for r in rows) == provider_delivered
            with page.expect_download() as json_info:
                row.locator("button[data-download=evv-json]").click()
            document = json.loads(Path(json_info.value.path()).read_text())
            assert document["totals"]["claimed_minutes"] == provider_billable
            assert document["batches"][0]["file_reference"] != rows[0]["FileReference"]

            with page.expect_download() as all_info:
                page.locator("#all-providers button[data-download=abacus-csv]").click()
            every = list(csv.DictReader(io.StringIO(Path(all_info.value.path()).read_text())))
            assert sum(int(r["ClaimedDuration"]) for r in every) == week_billable

            row.locator("a").first.click()
            page.wait_for_url("**/providers/1")
            client_row = page.locator("#clients tbody tr").first
            client_ref = client_row.get_attribute("data-client-ref")
            client_billable = int(client_row.locator("[data-field=billable_hours]").get_attribute("data-minutes"))
            assert _minutes(page, "#provider-total [data-field=billable_hours]") == provider_billable
            client_row.locator("a").first.click()
            page.wait_for_url("**/clients/*")
            assert client_ref in page.locator("h1").inner_text()
            assert _minutes(page, "#client-totals [data-field=billable_hours]") == client_billable
            claimed_cells = page.locator("#visits [data-field=claimed]")
            assert sum(int(claimed_cells.nth(i).get_attribute("data-minutes")) for i in range(claimed_cells.count())) \
                == client_billable
            assert sum(int(r["ClaimedDuration"]) for r in rows if r["ServiceUserRef"] == client_ref) == client_billable

            page.click("header button[type=submit]")
            page.wait_for_url("**/commissioner/sign-in")
        finally:
            browser.close()


@pytest.mark.parametrize("width", [1280, 1024])
def test_pages_fit_the_window_with_readable_charts_navigation_and_a_key(live_server: str, last_week: date,
                                                                       tmp_path: Path, width: int) -> None:
    """At a laptop's 1280 px and a tablet's 1024 px nothing scrolls sideways and axe-core finds no WCAG 2.1 A/AA
    violation; each page is saved as a screenshot."""
    from playwright.sync_api import sync_playwright

    def fits(page: Any, name: str) -> None:
        look(page, f"commissioner-{name}-{width}")  # a screenshot, and axe-core's WCAG 2.1 A/AA check
        page_width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        assert page_width <= page.evaluate("window.innerWidth"), f"{name} is {page_width} px wide at {width} px"
        header = page.locator("header").bounding_box()
        assert header["x"] == 0 and header["width"] >= width - 20, "the header spans the page"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(f"{live_server}/commissioner/sign-in")
            page.fill("#username", "commissioner.demo")
            page.fill("#password", "not-the-password")
            page.click("form.sign-in button[type=submit]")
            assert page.locator("[role=alert]").inner_text() == "Wrong username or password."
            assert page.input_value("#username") == "commissioner.demo", "a failed sign-in keeps the username"
            fits(page, "sign-in")
            page.fill("#password", DEMO_PASSWORD)
            page.click("form.sign-in button[type=submit]")
            page.wait_for_url(f"**/commissioner/weeks/{last_week.isoformat()}")
            fits(page, "week")

            names = [page.locator("#providers tbody tr").nth(i).locator("a").first.inner_text() for i in range(3)]
            assert page.locator("#provider-chart .provider-name").all_text_contents() == names
            chart_box = page.locator("#provider-chart svg").bounding_box()
            assert chart_box["width"] >= page.locator("main").bounding_box()["width"] - 60, "the chart uses the width"
            assert "Billable hours minus planned hours" in page.locator("#key").inner_text()
            assert page.locator("#key table.codes").inner_text().count("CSV Verified") == 4

            page.click("nav.weeks a[rel=prev]")
            previous = date.fromordinal(last_week.toordinal() - 7).isoformat()
            page.wait_for_url(f"**/commissioner/weeks/{previous}")
            page.click("nav.weeks a[rel=next]")
            page.wait_for_url(f"**/commissioner/weeks/{last_week.isoformat()}")
            assert page.locator("nav.weeks a[data-nav=this-week]").count() == 1

            page.goto(f"{live_server}/commissioner/weeks/2025-01-05")
            assert page.locator("#provider-chart .empty").inner_text() == "No visits this week."
            assert page.locator("#provider-chart svg").count() == 0

            page.goto(f"{live_server}/commissioner/weeks/{last_week.isoformat()}/providers/1")
            fits(page, "provider")
            assert page.locator("#trend text.week").count() == 8
            assert page.locator("#trend polyline.trend.billable").count() >= 1
            assert page.locator("#trend text.no-visits").count() >= 1, "weeks before the demo city began say so"
            page.locator("#clients tbody tr a").first.click()
            page.wait_for_url("**/clients/*")
            fits(page, "client")
            assert page.locator("#trend text.week").count() == 8
            assert page.locator("nav.weeks a[rel=prev]").count() == 1
        finally:
            browser.close()
