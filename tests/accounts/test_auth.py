"""Sign-in, tokens and role guards answer with problem details."""

from __future__ import annotations

import os
import time

import jwt
from litestar.testing import TestClient

from tests.conftest import sign_in


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_token_carries_role_and_provider(api: TestClient) -> None:
    me = api.get("/api/v1/me", headers=sign_in(api, "carer.demo")).json()
    assert me["role"] == "carer" and me["provider_id"] == 1 and me["carer_id"] is not None
    commissioner = api.get("/api/v1/me", headers=sign_in(api, "commissioner.demo")).json()
    assert commissioner["role"] == "commissioner" and commissioner["provider_id"] is None


def test_wrong_password_and_unknown_user_get_the_same_401(api: TestClient) -> None:
    wrong = _assert_problem(api.post("/api/v1/auth/token", data={"username": "carer.demo", "password": "nope"}), 401)
    unknown = _assert_problem(api.post("/api/v1/auth/token", data={"username": "nobody", "password": "nope"}), 401)
    assert wrong["detail"] == unknown["detail"] == "invalid username or password"


def test_missing_malformed_and_expired_tokens_get_401(api: TestClient) -> None:
    _assert_problem(api.get("/api/v1/me"), 401)
    _assert_problem(api.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"}), 401)
    past = int(time.time()) - 60
    claims = {"sub": "1", "iat": past - 900, "exp": past, "extras": {"username": "carer.demo", "role": "carer"}}
    expired = jwt.encode(claims, os.environ["DOMICARE_SECRET_KEY"], algorithm="HS256")
    _assert_problem(api.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"}), 401)


def test_wrong_role_gets_403(api: TestClient) -> None:
    body = _assert_problem(api.get("/api/v1/clients", headers=sign_in(api, "carer.demo")), 403)
    assert "supervisor" in body["detail"]


def test_supervisor_lists_only_own_clients_with_paging(api: TestClient) -> None:
    headers = sign_in(api, "supervisor.demo")
    page = api.get("/api/v1/clients?limit=10&offset=5", headers=headers).json()
    assert len(page["items"]) == 10 and page["total"] == 50 and page["offset"] == 5
    assert {c["provider_id"] for c in page["items"]} == {1}
    assert "tag_secret" not in page["items"][0]
    other = api.get("/api/v1/clients/2", headers=headers)  # client 2 belongs to provider 2
    _assert_problem(other, 404)


def test_bad_paging_values_are_400_naming_the_field(api: TestClient) -> None:
    body = _assert_problem(api.get("/api/v1/clients?limit=0", headers=sign_in(api, "supervisor.demo")), 400)
    assert "limit" in body["detail"]
