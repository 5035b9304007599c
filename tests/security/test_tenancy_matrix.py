"""Tenancy matrix: every endpoint, every provider role of provider A, aimed at provider B's objects; all refused.

Endpoints are read from the live OpenAPI document, so a new endpoint joins the
matrix by itself. Path ids are filled with provider B's rows (found by the
parameter's name: ``visit_id`` -> a visit of provider 2); writes carry a valid
body so the refusal comes from tenancy, not validation. List endpoints must
return nothing of provider B.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import MetaData, Table, select

from backend.tables import metadata
from backend.domain.operations.models import OnCallContact
from fixtures.city import DEMO_PASSWORD
from shared.timekeeping import utc_now
from tests.support.database import Db

ATTACKERS = ("carer.demo", "supervisor.demo", "admin.demo")
VICTIM = 2
SKIP = {("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/refresh"), ("POST", "/api/v1/auth/sign-out"),
        ("POST", "/api/v1/me/password")}
TABLE_FOR = {"event_id": "visitevent", "contact_id": "oncall_contact", "session_id": "device_session", "roster_id": "rosterjob"}


def _bodies(now: str) -> dict[str, Any]:
    check = {"at": now, "method": "manual", "reason": "no_signal"}
    return {
        "check-in": check, "check-out": check, "notes": {"at": now, "text": "x"},
        "concerns": {"at": now, "category": "other", "text": "x"},
        "amendments": {"reason_code": "cancelled_by_client", "changes": {"status": "cancelled"}},
        "review": {"decision": "approve"},
    }


def _victim_row(db: Db, param: str) -> Any:
    name = TABLE_FOR.get(param, param.removesuffix("_id"))
    table = metadata.tables.get(name)
    if table is None or "provider_id" not in table.c:
        return None
    ids = db.scalars(select(table.c.id).where(table.c.provider_id == VICTIM).order_by(table.c.id).limit(1))
    return ids[0] if ids else None


def _leaks(payload: Any) -> list[Any]:
    found = []
    if isinstance(payload, dict):
        if payload.get("provider_id") not in (None, 1):
            found.append(payload)
        for value in payload.values():
            found.extend(_leaks(value))
    elif isinstance(payload, list):
        for value in payload:
            found.extend(_leaks(value))
    return found


def test_no_role_of_provider_a_reaches_provider_b(api: TestClient, db: Db) -> None:
    # Make sure provider B has the rows the newer endpoints act on.
    db.execute(OnCallContact.__table__.insert().values(  # type: ignore[attr-defined]
        provider_id=VICTIM, level=1, channel="email", address="b@p2.example", active=True))
    assert api.post("/api/v1/auth/token", data={"username": "supervisor.p002", "password": DEMO_PASSWORD}).status_code == 200
    b_admin = api.post("/api/v1/auth/token", data={"username": "supervisor.p002", "password": DEMO_PASSWORD}).json()["access_token"]
    b_visit = _victim_row(db, "visit_id")
    proposed = api.post(f"/api/v1/visits/{b_visit}/amendments", json=_bodies("")["amendments"],
                        headers={"Authorization": f"Bearer {b_admin}"})
    assert proposed.status_code in (200, 201), proposed.text

    schema = api.app.openapi_schema.to_schema()
    now = utc_now().isoformat()
    bodies = _bodies(now)
    violations: list[str] = []
    covered = 0
    for username in ATTACKERS:
        token = api.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        for path, operations in schema["paths"].items():
            for method in operations:
                if method not in ("get", "post", "put", "patch", "delete") or (method.upper(), path) in SKIP:
                    continue
                if not path.startswith("/api/"):
                    continue
                params = re.findall(r"{(\w+)}", path)
                url = path
                if params:
                    values = {p: _victim_row(db, p) for p in params}
                    if any(v is None for v in values.values()):
                        continue
                    for p, v in values.items():
                        url = url.replace("{%s}" % p, str(v))
                body = bodies.get(path.rstrip("/").rsplit("/", 1)[-1], {}) if method != "get" else None
                response = api.request(method.upper(), url, json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
                covered += 1
                if params and 200 <= response.status_code < 300:
                    violations.append(f"{username} {method.upper()} {url} -> {response.status_code}: {response.text[:200]}")
                elif not params and response.status_code < 300 and "json" in response.headers.get("content-type", ""):
                    leaked = _leaks(response.json())
                    if leaked:
                        violations.append(f"{username} {method.upper()} {url} returned provider {VICTIM} rows: {leaked[:2]}")
        sync = api.post("/api/v1/sync", headers=headers, json={"actions": [
            {"idempotency_key": uuid.uuid4().hex, "kind": "note", "visit_id": b_visit, "at": now, "payload": {"text": "x"}}]})
        if sync.status_code == 200 and sync.json()["results"][0]["status"] != "rejected":
            violations.append(f"{username} synced a note onto provider {VICTIM}'s visit: {sync.text[:200]}")
    assert covered > 50
    assert not violations, "\n".join(violations)
