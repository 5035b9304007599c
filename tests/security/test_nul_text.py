"""Text with a NUL character is refused as a client error on both databases, never a 500.

PostgreSQL cannot store U+0000 in text; SQLite can. One guard at the database
layer gives both the same answer, wherever the text came from.
"""

from __future__ import annotations

from litestar.testing import TestClient

from tests.conftest import sign_in
from tests.support.visits import key, now_iso, todays_rota


def test_sign_in_with_a_nul_in_the_username_is_a_400_problem(api: TestClient) -> None:
    response = api.post("/api/v1/auth/token", data={"username": "carer\x00.demo", "password": ""})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "NUL" in response.json()["detail"]
    assert api.post("/api/v1/auth/token", data={"username": "carer.demo", "password": "demo-password"}).status_code == 200


def test_a_nul_in_one_synced_action_rejects_only_that_action(api: TestClient) -> None:
    headers = sign_in(api, "carer.demo")
    visit = todays_rota(api, headers)[0]
    keys = [key(), key() + "\x00", key()]
    actions = [{"idempotency_key": idem, "kind": "note", "visit_id": visit["id"], "at": now_iso(-2),
                "payload": {"text": "Made breakfast."}} for idem in keys]
    response = api.post("/api/v1/sync", json={"actions": actions}, headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["problem"]["status"] == 400
    assert "NUL" in results[1]["problem"]["detail"]
    replay = api.post("/api/v1/sync", json={"actions": actions}, headers=headers).json()["results"]
    assert [r["status"] for r in replay] == ["duplicate", "rejected", "duplicate"]


def test_a_device_name_with_a_nul_is_a_400_problem(api: TestClient) -> None:
    headers = sign_in(api, "supervisor.demo")
    client_id = todays_rota(api, sign_in(api, "carer.demo"))[0]["client"]["id"]
    response = api.post(f"/api/v1/clients/{client_id}/devices", headers=headers, json={"name": "hall\x00hub"})
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["detail"]


def test_an_unknown_field_with_escaped_quotes_and_surrogates_gives_valid_problem_json(api: TestClient) -> None:
    headers = sign_in(api, "supervisor.demo")
    body = b'{"decision": "approve", "\\uda6e\\udc7d\\udb40\\udf128\\u00a5\\u0095\\"\\u0081\\u00b4JOU": 1}'
    response = api.post("/api/v1/visit-events/1/review", content=body,
                        headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "unknown field" in response.json()["detail"]


def test_a_nul_in_a_case_note_or_concern_is_refused_directly_and_through_sync(api: TestClient) -> None:
    headers = sign_in(api, "carer.demo")
    visit = todays_rota(api, headers)[0]
    bodies = {"notes": {"text": "Made breakfast.\x00"},
              "concerns": {"category": "health", "text": "Seemed confused\x00 this morning."}}
    for kind, body in bodies.items():
        response = api.post(f"/api/v1/visits/{visit['id']}/{kind}", json={**body, "at": now_iso(-2)},
                            headers={**headers, "Idempotency-Key": key()})
        assert response.status_code == 400, (kind, response.text)
        assert "NUL" in response.json()["detail"]
    actions = [{"idempotency_key": key(), "kind": kind.rstrip("s"), "visit_id": visit["id"], "at": now_iso(-2),
                "payload": body} for kind, body in bodies.items()]
    results = api.post("/api/v1/sync", json={"actions": actions}, headers=headers).json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"], results
    assert all("NUL" in r["problem"]["detail"] for r in results)
    notes = api.get(f"/api/v1/visits/{visit['id']}/case-notes", headers=sign_in(api, "supervisor.demo")).json()
    assert not any("\x00" in str(n) for n in notes["items"]), "nothing was stored"
