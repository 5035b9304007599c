"""The probe's low findings, each kept as an HTTP-level test: paths, roles, downloads, exports, parsers, keys, text."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from fixtures.city import DEMO_PASSWORD
from tests.conftest import sign_in

TOKEN = "/api/v1/auth/token"


def _tokens(api: TestClient, username: str) -> dict[str, Any]:
    response = api.post(TOKEN, data={"username": username, "password": DEMO_PASSWORD, "device": "phone"})
    assert response.status_code == 200, response.text
    return response.json()


NEAR_PUBLIC_PATHS = (
    "/staticX", "/healthX", "/schemaX", "/commissionerX", "/api/v1/staticX/clients", "/api/v1/clients/healthX",
    "/api/v1/visits/static", "/api/v1/me/healthX", "/api/v1/board/schema",
    "/api/v1/device-sessions/staticX/revoke", "/api/v1/device-sessions/healthX/revoke",
    "/api/v1/device-sessions/commissionerX/revoke",
)


def test_paths_that_only_contain_a_public_name_need_a_token(api: TestClient) -> None:
    for path in NEAR_PUBLIC_PATHS:
        for method in ("get", "post"):
            response = getattr(api, method)(path)
            assert response.status_code in (401, 404, 405), (method, path, response.status_code, response.text)


def test_the_public_paths_stay_public(api: TestClient) -> None:
    assert api.get("/health").status_code == 200
    assert api.get("/schema/openapi.json").status_code == 200
    assert api.get("/commissioner/sign-in").status_code == 200


def test_a_supervisor_cannot_end_the_provider_admins_sessions(api: TestClient) -> None:
    admin_tokens = _tokens(api, "admin.demo")
    admin = {"Authorization": f"Bearer {admin_tokens['access_token']}"}
    supervisor = sign_in(api, "supervisor.demo")
    sid = admin_tokens["refresh_token"].split(".")[0]
    refused = api.post(f"/api/v1/device-sessions/{sid}/revoke", headers=supervisor)
    assert refused.status_code == 403, refused.text
    assert api.get("/api/v1/me", headers=admin).status_code == 200
    carer_sid = _tokens(api, "carer.demo")["refresh_token"].split(".")[0]
    assert api.post(f"/api/v1/device-sessions/{carer_sid}/revoke", headers=supervisor).status_code == 200
    other_admin_sid = _tokens(api, "admin.demo")["refresh_token"].split(".")[0]
    assert api.post(f"/api/v1/device-sessions/{other_admin_sid}/revoke", headers=admin).status_code == 200
