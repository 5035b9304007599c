"""One lockout for every way in: the API token route and the commissioner pages count the same failures.

A locked account cannot be tried through either door, and while it is locked the page answers a
right password exactly as it answers a wrong one. The pages' CSRF tokens are signed by the server:
a cookie and form field the attacker picked themselves are refused.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from fixtures.city import DEMO_PASSWORD

TOKEN = "/api/v1/auth/token"
PAGE_SIGN_IN = "/commissioner/sign-in"


def csrf_of(html: str) -> str:
    """The CSRF token a page's form carries."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form has a CSRF token"
    return match.group(1)


def page_sign_in(api: TestClient, username: str, password: str = DEMO_PASSWORD) -> Any:
    """Fill in and post the commissioner sign-in form, as a browser would."""
    form = api.get(PAGE_SIGN_IN)
    return api.post(PAGE_SIGN_IN, data={"username": username, "password": password, "csrf_token": csrf_of(form.text),
                                        "next": "/commissioner"}, follow_redirects=False)


def _api_sign_in(api: TestClient, username: str, password: str = DEMO_PASSWORD) -> Any:
    return api.post(TOKEN, data={"username": username, "password": password})


def _error_of(html: str) -> str:
    match = re.search(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


def test_wrong_passwords_on_the_page_lock_the_api_too(api: TestClient) -> None:
    for _ in range(5):
        assert page_sign_in(api, "commissioner.demo", "wrong-password").status_code == 401
    locked = _api_sign_in(api, "commissioner.demo")
    assert locked.status_code == 429, locked.text
    assert int(locked.headers["Retry-After"]) > 0


def test_a_locked_account_cannot_be_tried_on_the_page(api: TestClient) -> None:
    for _ in range(5):
        assert _api_sign_in(api, "commissioner.demo", "wrong-password").status_code == 401
    right = page_sign_in(api, "commissioner.demo")
    wrong = page_sign_in(api, "commissioner.demo", "still-wrong")
    assert right.status_code == wrong.status_code == 429
    assert "domicare_session" not in right.cookies
    assert _error_of(right.text) == _error_of(wrong.text) != ""
    assert "too many failed sign-in attempts" in _error_of(right.text)
    assert right.headers["Retry-After"] == wrong.headers["Retry-After"]
    assert page_sign_in(api, "admin.demo").status_code == 303, "other accounts are unaffected"


def test_the_page_counts_unknown_usernames_like_real_ones(api: TestClient) -> None:
    for username in ("commissioner.demo", "nobody.here"):
        for _ in range(5):
            page_sign_in(api, username, "wrong-password")
        locked = page_sign_in(api, username, DEMO_PASSWORD)
        assert locked.status_code == 429
    assert _api_sign_in(api, "nobody.here").status_code == 429


def test_a_csrf_pair_the_attacker_chose_is_refused(api: TestClient) -> None:
    api.cookies.clear()
    api.cookies.set("domicare_csrf", "attacker-chosen-value", path="/commissioner")
    forged = api.post(PAGE_SIGN_IN, data={"username": "commissioner.demo", "password": DEMO_PASSWORD,
                                          "csrf_token": "attacker-chosen-value"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "domicare_session" not in forged.cookies


def test_a_signed_in_pages_csrf_token_belongs_to_its_session(api: TestClient) -> None:
    assert page_sign_in(api, "commissioner.demo").status_code == 303
    first_session = dict(api.cookies)
    first_token = csrf_of(api.get("/commissioner", follow_redirects=True).text)
    api.cookies.clear()
    assert page_sign_in(api, "admin.demo").status_code == 303
    second_token = csrf_of(api.get("/commissioner", follow_redirects=True).text)
    assert first_token != second_token
    refused = api.post("/commissioner/sign-out", data={"csrf_token": first_token}, follow_redirects=False)
    assert refused.status_code == 403
    assert api.post("/commissioner/sign-out", data={"csrf_token": second_token},
                    follow_redirects=False).status_code == 303
    assert first_session  # the first session is untouched by the second's sign-out
