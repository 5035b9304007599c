"""The probe's low findings, each kept as an HTTP-level test: paths, roles, downloads, exports, parsers, keys, text."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select, update

from backend.domain.accounts.models import Provider, User
from backend.domain.finance.weeks import last_completed_week
from backend.domain.people.models import Carer, Client
from backend.domain.visits.models import Visit, VisitAssignment
from fixtures.city import DEMO_PASSWORD
from shared.timekeeping import utc_now
from tests.conftest import sign_in
from tests.security.test_signin_everywhere import csrf_of, page_sign_in
from tests.support.database import Db
from tests.support.visits import todays_rota

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


def _clients_visited_by(db: Db, username: str) -> set[int]:
    return set(db.scalars(
        select(Visit.client_id).join(VisitAssignment, VisitAssignment.visit_id == Visit.id)
        .join(Carer, Carer.id == VisitAssignment.carer_id).join(User, User.id == Carer.user_id)
        .where(User.username == username)))


def test_a_carer_records_vitals_only_for_clients_they_visit(api: TestClient, db: Db) -> None:
    carer = sign_in(api, "carer.demo")
    visited = todays_rota(api, carer)[0]["client"]["id"]
    ever_visited = _clients_visited_by(db, "carer.demo")
    stranger = db.scalars(select(Client.id).where(Client.provider_id == 1, Client.id.not_in(ever_visited))
                          .order_by(Client.id).limit(1))[0]
    reading = {"time": "2026-11-25T10:00:00Z", "heart_rate": 72}
    assert api.post(f"/api/v1/clients/{visited}/observations", json=reading, headers=carer).status_code == 201
    refused = api.post(f"/api/v1/clients/{stranger}/observations", json=reading, headers=carer)
    assert refused.status_code == 403, refused.text
    assert "only for the clients they visit" in refused.json()["detail"]
    supervisor = sign_in(api, "supervisor.demo")
    assert api.post(f"/api/v1/clients/{stranger}/observations", json=reading, headers=supervisor).status_code == 201


def test_deeply_nested_json_is_a_400_problem(api: TestClient) -> None:
    carer = {**sign_in(api, "carer.demo"), "Content-Type": "application/json"}
    client_id = todays_rota(api, carer)[0]["client"]["id"]
    for deep in (b'{"a":' * 5000 + b"1" + b"}" * 5000, b"[" * 5000 + b"]" * 5000):
        for path in ("/api/v1/sync", f"/api/v1/clients/{client_id}/observations"):
            response = api.post(path, content=deep, headers=carer)
            assert response.status_code == 400, (path, response.status_code, response.text[:300])
            assert "nested too deeply" in response.json()["detail"]


FORMULA_CARER_REF = '=HYPERLINK("//evil.example")'  # 28 of the column's 32
FORMULA_PROVIDER_REF = "+PRV1"


def test_the_csv_export_escapes_carer_and_provider_refs(api: TestClient, db: Db) -> None:
    db.execute(update(Carer).where(Carer.user_id == select(User.id).where(User.username == "carer.demo")
                                   .scalar_subquery()).values(ref=FORMULA_CARER_REF))
    db.execute(update(Provider).where(Provider.id == 1).values(code=FORMULA_PROVIDER_REF))
    week = last_completed_week(utc_now()).ending.isoformat()
    response = api.post("/api/v1/finance/exports", params={"week_ending": week, "provider_id": 1, "format": "abacus-csv"},
                        headers=sign_in(api, "admin.demo"))
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["ProviderRef"] for r in rows} == {"'" + FORMULA_PROVIDER_REF}
    carer_refs = {r["CarerRef"] for r in rows}
    assert "'" + FORMULA_CARER_REF in carer_refs
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values() if cell)


def test_reading_a_download_link_makes_no_export(api: TestClient) -> None:
    week = last_completed_week(utc_now()).ending.isoformat()
    admin = sign_in(api, "admin.demo")
    assert page_sign_in(api, "admin.demo").status_code == 303
    for _ in range(2):
        response = api.get(f"/commissioner/weeks/{week}/download", params={"format": "abacus-csv", "provider_id": 1})
        assert response.status_code in (404, 405), response.status_code
        assert api.get("/api/v1/finance/exports", params={"week_ending": week, "provider_id": 1,
                                                           "format": "abacus-csv"}, headers=admin).status_code == 405
    batches = api.get("/api/v1/finance/export-batches", params={"week_ending": week}, headers=admin).json()
    assert batches["total"] == 0
    page = api.get(f"/commissioner/weeks/{week}")
    posted = api.post(f"/commissioner/weeks/{week}/download",
                      data={"format": "abacus-csv", "provider_id": "1", "csrf_token": csrf_of(page.text)})
    assert posted.status_code == 200 and posted.headers["x-file-reference"].endswith("-C001")
    assert api.get("/api/v1/finance/export-batches", params={"week_ending": week}, headers=admin).json()["total"] == 1


COMMON_LONG_PASSWORDS = ("qwertyuiop123", "1q2w3e4r5t6y", "football12345", "iloveyou12345", "trustno1trustno1",
                         "manchester123", "Password123!", "abcdefghijkl", "liverpool2026")


def test_common_passwords_are_refused_however_long(api: TestClient) -> None:
    headers = sign_in(api, "carer.00002")
    for weak in COMMON_LONG_PASSWORDS:
        response = api.post("/api/v1/me/password", headers=headers,
                            json={"current_password": DEMO_PASSWORD, "new_password": weak})
        assert response.status_code == 400, weak
        assert "less predictable" in response.json()["detail"], weak
    strong = api.post("/api/v1/me/password", headers=headers,
                      json={"current_password": DEMO_PASSWORD, "new_password": "gravel lantern oboe thistle"})
    assert strong.status_code == 204, strong.text


def test_options_on_a_guarded_route_is_never_a_server_error(api: TestClient) -> None:
    supervisor = sign_in(api, "supervisor.demo")
    for path in ("/api/v1/board", "/api/v1/me/visits", "/api/v1/device-sessions", "/api/v1/oncall-contacts"):
        for headers in (supervisor, {}):
            response = api.options(path, headers=headers)
            assert response.status_code == 204, (path, response.status_code, response.text)
