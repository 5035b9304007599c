"""Revocation holds everywhere: every route checks the session and the account on every request.

Signing out, changing the password, disabling or deleting the account stops access at once on
every route (the vitals route included), and a commissioner page session is revocable and is
never an API credential.
"""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import delete, select, update

from backend.domain.accounts.models import User
from backend.security.models import DeviceSession
from fixtures.city import DEMO_PASSWORD
from tests.security.test_signin_everywhere import csrf_of, page_sign_in
from tests.support.database import Db
from tests.support.visits import todays_rota

TOKEN = "/api/v1/auth/token"
NEW_PASSWORD = "orange kettle winter harbour"


def _tokens(api: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    response = api.post(TOKEN, data={"username": username, "password": password, "device": "phone"})
    assert response.status_code == 200, response.text
    return response.json()


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _post_vitals(api: TestClient, headers: dict[str, str], client_id: int) -> Any:
    return api.post(f"/api/v1/clients/{client_id}/observations", headers=headers,
                    json={"time": "2026-11-25T10:00:00Z", "heart_rate": 72})


def test_the_vitals_route_refuses_a_signed_out_token(api: TestClient) -> None:
    carer = _tokens(api, "carer.demo")
    client_id = todays_rota(api, _bearer(carer))[0]["client"]["id"]
    assert _post_vitals(api, _bearer(carer), client_id).status_code == 201
    assert api.post("/api/v1/auth/sign-out", headers=_bearer(carer)).status_code == 204
    refused = _post_vitals(api, _bearer(carer), client_id)
    assert refused.status_code == 401, refused.text


def test_a_password_change_ends_the_accounts_other_sessions(api: TestClient) -> None:
    here, stolen = _tokens(api, "carer.00002"), _tokens(api, "carer.00002")
    changed = api.post("/api/v1/me/password", headers=_bearer(here),
                       json={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.text
    assert api.get("/api/v1/me", headers=_bearer(stolen)).status_code == 401
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": stolen["refresh_token"]}).status_code == 401
    assert api.get("/api/v1/me", headers=_bearer(here)).status_code == 200, "the session that changed it goes on"


def test_a_disabled_account_stops_at_once_on_the_api_and_the_pages(api: TestClient, db: Db) -> None:
    tokens = _tokens(api, "admin.demo")
    assert page_sign_in(api, "admin.demo").status_code == 303
    assert api.get("/commissioner", follow_redirects=False).status_code == 303  # to the week page
    db.execute(update(User).where(User.username == "admin.demo").values(is_active=False))
    assert api.get("/api/v1/me", headers=_bearer(tokens)).status_code == 401
    page = api.get("/commissioner", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/commissioner/sign-in")


def test_a_deleted_account_stops_at_once(api: TestClient, db: Db) -> None:
    tokens = _tokens(api, "commissioner.demo")
    assert api.get("/api/v1/me", headers=_bearer(tokens)).status_code == 200
    user_id = db.scalars(select(User.id).where(User.username == "commissioner.demo"))[0]
    db.execute(delete(DeviceSession).where(DeviceSession.user_id == user_id))  # the account's rows go with it
    db.execute(delete(User).where(User.id == user_id))
    assert api.get("/api/v1/me", headers=_bearer(tokens)).status_code == 401


def test_a_page_session_is_not_an_api_credential(api: TestClient) -> None:
    assert page_sign_in(api, "admin.demo").status_code == 303
    cookie = api.cookies.get("domicare_session")
    assert cookie
    bearer = {"Authorization": f"Bearer {cookie}"}
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": cookie}).status_code == 401


def test_signing_out_of_the_pages_ends_the_session_even_for_a_copied_cookie(api: TestClient) -> None:
    assert page_sign_in(api, "commissioner.demo").status_code == 303
    cookie = api.cookies.get("domicare_session")
    page = api.get("/commissioner", follow_redirects=True)
    assert page.status_code == 200
    assert api.post("/commissioner/sign-out", data={"csrf_token": csrf_of(page.text)},
                    follow_redirects=False).status_code == 303
    api.cookies.set("domicare_session", cookie, path="/commissioner")
    replayed = api.get("/commissioner", follow_redirects=False)
    assert replayed.status_code == 303 and replayed.headers["location"].startswith("/commissioner/sign-in")


def test_a_page_session_is_listed_and_revocable_by_the_provider_admin(api: TestClient) -> None:
    assert page_sign_in(api, "admin.demo").status_code == 303
    admin = _bearer(_tokens(api, "admin.demo"))
    user_id = api.get("/api/v1/me", headers=admin).json()["user_id"]
    listed = api.get("/api/v1/device-sessions", params={"user_id": user_id}, headers=admin).json()["items"]
    pages = [s for s in listed if s["device"] == "commissioner pages"]
    assert len(pages) == 1
    assert api.post(f"/api/v1/device-sessions/{pages[0]['id']}/revoke", headers=admin).status_code == 200
    ended = api.get("/commissioner", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/commissioner/sign-in")
