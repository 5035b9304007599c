"""Sign-in lockout and rate limits, refresh tokens, revoking a lost phone, password policy, headers, CORS, CSRF, audit."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from fixtures.city import DEMO_PASSWORD
from tests.support.database import Db

TOKEN = "/api/v1/auth/token"


def _sign_in(api: TestClient, username: str, password: str = DEMO_PASSWORD) -> Any:
    return api.post(TOKEN, data={"username": username, "password": password, "device": "test phone"})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_lockout_after_failures_says_so_without_revealing_who_exists(api: TestClient) -> None:
    for username in ("carer.demo", "no.such.user"):
        for _ in range(5):
            assert _sign_in(api, username, "wrong-password").status_code == 401
        locked = _sign_in(api, username, DEMO_PASSWORD)
        assert locked.status_code == 429, locked.text
        assert int(locked.headers["Retry-After"]) > 0
        assert "too many failed sign-in attempts" in locked.json()["detail"]
    assert _sign_in(api, "no.such.user").json()["detail"] == _sign_in(api, "carer.demo").json()["detail"]
    assert _sign_in(api, "supervisor.demo").status_code == 200, "other accounts are unaffected"


def test_a_success_clears_earlier_failures(api: TestClient) -> None:
    for _ in range(4):
        _sign_in(api, "carer.demo", "wrong-password")
    assert _sign_in(api, "carer.demo").status_code == 200
    for _ in range(4):
        _sign_in(api, "carer.demo", "wrong-password")
    assert _sign_in(api, "carer.demo").status_code == 200


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(api: TestClient) -> None:
    first = _sign_in(api, "carer.demo").json()
    assert first["refresh_token"]
    second = api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    fresh = second.json()
    assert api.get("/api/v1/me", headers=_bearer(fresh["access_token"])).json()["username"] == "carer.demo"
    replayed = api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replayed.status_code == 401 and "already used" in replayed.json()["detail"]
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]}).status_code == 401
    assert api.get("/api/v1/me", headers=_bearer(fresh["access_token"])).status_code == 401
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": "garbage"}).status_code == 401


def test_supervisor_revokes_a_lost_phone(api: TestClient) -> None:
    phone = _sign_in(api, "carer.demo").json()
    other_phone = _sign_in(api, "carer.demo").json()
    carer = _bearer(phone["access_token"])
    user_id = api.get("/api/v1/me", headers=carer).json()["user_id"]
    supervisor = _bearer(_sign_in(api, "supervisor.demo").json()["access_token"])
    listed = api.get("/api/v1/device-sessions", params={"user_id": user_id}, headers=supervisor).json()["items"]
    sid = phone["refresh_token"].split(".")[0]
    assert sid in {s["id"] for s in listed}

    foreign = _bearer(_sign_in(api, "supervisor.p002").json()["access_token"])
    assert api.post(f"/api/v1/device-sessions/{sid}/revoke", headers=foreign).status_code == 404
    assert api.post(f"/api/v1/device-sessions/{sid}/revoke", headers=carer).status_code == 403

    revoked = api.post(f"/api/v1/device-sessions/{sid}/revoke", headers=supervisor)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert api.get("/api/v1/me", headers=carer).status_code == 401
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}).status_code == 401
    assert api.get("/api/v1/me", headers=_bearer(other_phone["access_token"])).status_code == 200, "only that phone"


def test_sign_out_ends_the_session(api: TestClient) -> None:
    tokens = _sign_in(api, "supervisor.demo").json()
    assert api.post("/api/v1/auth/sign-out", headers=_bearer(tokens["access_token"])).status_code == 204
    assert api.get("/api/v1/me", headers=_bearer(tokens["access_token"])).status_code == 401


def test_password_policy_on_change(api: TestClient) -> None:
    headers = _bearer(_sign_in(api, "carer.00002").json()["access_token"])
    url = "/api/v1/me/password"
    weak = api.post(url, json={"current_password": DEMO_PASSWORD, "new_password": "short"}, headers=headers)
    assert weak.status_code == 400 and "at least 12 characters" in weak.json()["detail"]
    named = api.post(url, json={"current_password": DEMO_PASSWORD, "new_password": "carer.00002-is-me"}, headers=headers)
    assert named.status_code == 400 and "username" in named.json()["detail"]
    wrong = api.post(url, json={"current_password": "nope", "new_password": "orange kettle winter harbour"}, headers=headers)
    assert wrong.status_code == 400
    ok = api.post(url, json={"current_password": DEMO_PASSWORD, "new_password": "orange kettle winter harbour"}, headers=headers)
    assert ok.status_code == 204, ok.text
    assert _sign_in(api, "carer.00002", "orange kettle winter harbour").status_code == 200


def test_security_headers_and_closed_cors(api: TestClient) -> None:
    response = api.get("/health")
    for header in ("x-content-type-options", "x-frame-options", "referrer-policy", "content-security-policy"):
        assert header in response.headers, header
    api_response = api.get("/api/v1/me", headers={"Origin": "https://evil.example"})
    assert api_response.headers["cache-control"] == "no-store"
    assert "access-control-allow-origin" not in api_response.headers
    preflight = api.options("/api/v1/sync", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_cross_site_cookie_form_post_is_refused_but_bearer_calls_are_not(api: TestClient) -> None:
    forged = api.post("/commissioner/sign-out", headers={"Origin": "https://evil.example", "Cookie": "session=x"})
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    same_site = api.post(TOKEN, data={"username": "carer.demo", "password": DEMO_PASSWORD},
                         headers={"Origin": "http://testserver.local", "Cookie": "session=x"})
    assert same_site.status_code == 200
    bearer = _bearer(_sign_in(api, "carer.demo").json()["access_token"])
    with_bearer = api.post("/api/v1/sync", json={"actions": []},
                           headers={**bearer, "Origin": "https://evil.example", "Cookie": "session=x"})
    assert with_bearer.status_code == 200


def test_case_note_reads_are_audited_and_the_audit_is_read_only(api: TestClient, db: Db) -> None:
    supervisor = _bearer(_sign_in(api, "supervisor.demo").json()["access_token"])
    visit_id = db.carer_visits("carer.demo")[0].id
    assert api.get(f"/api/v1/visits/{visit_id}/case-notes", headers=supervisor).status_code == 200
    admin = _bearer(_sign_in(api, "admin.demo").json()["access_token"])
    page = api.get("/api/v1/audit", params={"action": "case_notes.read", "entity_id": str(visit_id)}, headers=admin).json()
    supervisor_id = api.get("/api/v1/me", headers=supervisor).json()["user_id"]
    assert [(r["actor_id"], r["entity"]) for r in page["items"]] == [(supervisor_id, "visit")]
    assert api.get("/api/v1/audit", headers=supervisor).status_code == 403
    other_admin = _bearer(_sign_in(api, "admin.p002").json()["access_token"])
    assert api.get("/api/v1/audit", params={"action": "case_notes.read", "entity_id": str(visit_id)},
                   headers=other_admin).json()["total"] == 0
    row = page["items"][0]["id"]
    for method in ("put", "patch", "delete"):
        assert getattr(api, method)(f"/api/v1/audit/{row}", headers=admin).status_code in (404, 405)
        assert getattr(api, method)("/api/v1/audit", headers=admin).status_code in (404, 405)
