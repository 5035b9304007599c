"""The finance API over the seeded demo city: reconciliation against independent sums, exports parsed back,
file references never reused, role checks and payment rule versions (each test on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from tests.conftest import sign_in

CSV_COLUMNS = [
    "FileReference", "ProviderRef", "ServiceUserRef", "WeekEnding", "VisitDate", "PlannedStartTime", "PlannedDuration",
    "ActualStartTime", "ActualDuration", "ClaimedDuration", "NumberOfCarers", "CarerRef", "Verified",
    "RoundingApplied", "Comment",
]


def _independent_sums(db_url: str, provider_id: int, week_ending: date) -> dict[str, int]:
    """Figures straight from the tables with the default rules, not through the finance code."""
    from backend.database.engine import create_engine
    from backend.domain.visits.models import Visit, VisitEvent

    start = week_ending - timedelta(days=6)

    async def go() -> dict[str, Any]:
        engine = create_engine(db_url)
        async with engine.connect() as conn:
            visits = (await conn.execute(select(
                Visit.id, Visit.planned_start, Visit.planned_end, Visit.carers_needed, Visit.status
            ).where(Visit.provider_id == provider_id, Visit.visit_date >= start, Visit.visit_date <= week_ending))).all()
            ids = [v.id for v in visits]
            events = (await conn.execute(select(
                VisitEvent.visit_id, VisitEvent.carer_id, VisitEvent.kind, VisitEvent.device_time
            ).where(VisitEvent.visit_id.in_(ids), VisitEvent.kind.in_(("check_in", "check_out"))))).all()
        await engine.dispose()
        return {"visits": visits, "events": events}

    rows = asyncio.run(go())
    pairs: dict[tuple[int, int], dict[str, Any]] = defaultdict(dict)
    for visit_id, carer_id, kind, at in rows["events"]:
        pairs[(visit_id, carer_id)][kind] = at
    planned_of = {}
    sums = defaultdict(int)
    for v in rows["visits"]:
        minutes = round((v.planned_end - v.planned_start).total_seconds() / 60)
        planned_of[v.id] = minutes
        sums["planned_visits"] += 1
        sums["planned_minutes"] += minutes * v.carers_needed
        sums["missed"] += v.status == "missed"
    for (visit_id, _carer), times in pairs.items():
        worked = (times["check_out"] - times["check_in"]).total_seconds() / 60
        sums["delivered_minutes"] += int(worked + 0.5)
        planned = planned_of[visit_id]
        basis = planned if abs(worked - planned) <= 5 else worked
        claimed = max(15, int(basis / 15 + 0.5) * 15)
        sums["billable_minutes"] += min(claimed, planned)
    return dict(sums)


def test_reconciliation_matches_independent_sums(shared_api: TestClient, shared_db_url: str, last_week: date) -> None:
    api, seeded_db_url = shared_api, shared_db_url
    headers = sign_in(api, "commissioner.demo")
    response = api.get("/api/v1/finance/reconciliation", params={"week_ending": last_week.isoformat()}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["week_ending"] == last_week.isoformat() and body["timezone"] == "Europe/London"
    assert [p["provider_ref"] for p in body["providers"]] == ["PRV001", "PRV002", "PRV003"]
    assert body["totals"]["billable_minutes"] == sum(p["totals"]["billable_minutes"] for p in body["providers"])

    one = api.get("/api/v1/finance/reconciliation",
                  params={"week_ending": last_week.isoformat(), "provider_id": 1, "limit": 500}, headers=headers).json()
    totals = one["providers"][0]["totals"]
    expected = _independent_sums(seeded_db_url, 1, last_week)
    for name in ("planned_visits", "planned_minutes", "missed", "delivered_minutes", "billable_minutes"):
        assert totals[name] == expected[name], name
    assert totals["delivered_visits"] + totals["missed"] == totals["planned_visits"]
    assert totals["late"] > 0 and totals["short"] > 0 and totals["unverified"] > 0
    assert 0 < totals["verified_electronically_percent"] < 100 and 0 < totals["started_on_time_percent"] < 100
    assert totals["pay_minutes"] >= totals["delivered_minutes"]
    clients = one["clients"]
    assert clients["total"] == len(clients["items"]) > 0
    assert sum(c["totals"]["billable_minutes"] for c in clients["items"]) == totals["billable_minutes"]


def test_client_week_shows_visits_without_case_notes(shared_api: TestClient, shared_db_url: str, last_week: date) -> None:
    api, seeded_db_url = shared_api, shared_db_url
    from backend.database.engine import create_engine
    from backend.domain.visits.models import Visit, VisitEvent

    async def add_note() -> int:
        engine = create_engine(seeded_db_url)
        async with engine.begin() as conn:
            visit = (await conn.execute(select(Visit.id, Visit.client_id, Visit.planned_start).where(
                Visit.provider_id == 1, Visit.visit_date == last_week, Visit.status == "completed"
            ).limit(1))).first()
            carer_id = (await conn.execute(select(VisitEvent.carer_id).where(VisitEvent.visit_id == visit.id))).scalar()
            await conn.execute(VisitEvent.__table__.insert().values(
                provider_id=1, visit_id=visit.id, carer_id=carer_id, kind="note", device_time=visit.planned_start,
                server_time=visit.planned_start, idempotency_key="secret-note", payload={"text": "SECRET CASE NOTE"},
                result={},
            ))
        await engine.dispose()
        return int(visit.client_id)

    client_id = asyncio.run(add_note())
    headers = sign_in(api, "commissioner.demo")
    response = api.get(f"/api/v1/finance/reconciliation/clients/{client_id}", params={"week_ending": last_week.isoformat()},
                       headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["visits"] and "SECRET CASE NOTE" not in response.text
    assert sum(v["claimed_minutes"] for v in body["visits"]) == body["totals"]["billable_minutes"]
    assert body["visits"][0]["planned_start"].endswith(("Z", "+00:00", "+01:00"))
    evv = api.post("/api/v1/finance/exports", params={"week_ending": last_week.isoformat(), "provider_id": 1,
                                                      "format": "evv-json"}, headers=headers)
    assert "SECRET CASE NOTE" not in evv.text
    assert "lat" not in json.loads(evv.text)["visits"][0] and '"lon"' not in evv.text


def test_csv_export_parses_back_to_the_reconciliation(api: TestClient, last_week: date) -> None:
    headers = sign_in(api, "admin.demo")
    params = {"week_ending": last_week.isoformat(), "provider_id": 1, "format": "abacus-csv"}
    response = api.post("/api/v1/finance/exports", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    reference = response.headers["x-file-reference"]
    assert reference == f"LCC-PRV001-{last_week:%Y%m%d}-C001"
    assert reference in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0].keys()) == CSV_COLUMNS
    assert {r["FileReference"] for r in rows} == {reference} and {r["ProviderRef"] for r in rows} == {"PRV001"}
    assert {r["WeekEnding"] for r in rows} == {last_week.isoformat()}
    assert all(last_week - timedelta(days=6) <= date.fromisoformat(r["VisitDate"]) <= last_week for r in rows)
    assert all(r["Comment"] for r in rows if r["ActualDuration"] != "0"
               and abs(int(r["ActualDuration"]) - int(r["PlannedDuration"])) > 5)
    recon = api.get("/api/v1/finance/reconciliation", params={"week_ending": last_week.isoformat(), "provider_id": 1},
                    headers=headers).json()["providers"][0]["totals"]
    assert len(rows) == recon["carer_visits"]
    assert sum(int(r["ClaimedDuration"]) for r in rows) == recon["billable_minutes"]
    assert sum(int(r["ActualDuration"]) for r in rows) == recon["delivered_minutes"]
    double = [r for r in rows if r["NumberOfCarers"] == "2"]
    assert double and len(double) % 2 == 0

    again = api.post("/api/v1/finance/exports", params=params, headers=headers)
    assert again.headers["x-file-reference"] == f"LCC-PRV001-{last_week:%Y%m%d}-C002"
    batches = api.get("/api/v1/finance/export-batches", params={"week_ending": last_week.isoformat()},
                      headers=headers).json()
    assert [b["version"] for b in batches["items"]] == [2, 1]
    assert batches["items"][0]["supersedes_id"] == batches["items"][1]["id"]
    assert batches["items"][1]["row_count"] == len(rows)


def test_evv_json_export(shared_api: TestClient, last_week: date) -> None:
    api = shared_api
    headers = sign_in(api, "commissioner.demo")
    response = api.post("/api/v1/finance/exports", params={"week_ending": last_week.isoformat(), "format": "evv-json"},
                       headers=headers)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert [b["provider_ref"] for b in doc["batches"]] == ["PRV001", "PRV002", "PRV003"]
    recon = api.get("/api/v1/finance/reconciliation", params={"week_ending": last_week.isoformat()},
                    headers=headers).json()["totals"]
    assert len(doc["visits"]) == doc["totals"]["visits"] == recon["planned_visits"]
    assert sum(v["claimed_minutes"] for v in doc["visits"]) == doc["totals"]["claimed_minutes"] == recon["billable_minutes"]
    record = next(v for v in doc["visits"] if v["status"] == "completed")
    assert set(record) >= {"service_type", "client_ref", "carers", "date", "planned", "changes", "status"}
    carer = record["carers"][0]
    assert carer["verification"]["verdict"] in {"verified", "approved"}
    assert carer["verification"]["check_in"]["method"] in {"gps", "qr", "nfc", "manual"}
    amended = [v for v in doc["visits"] if v["changes"]]
    assert amended and amended[0]["changes"][0]["reason_code"] == "client_declined_remaining"
    assert "short visit accepted" not in response.text  # free text in an amendment is never exported


def test_concurrent_exports_never_share_a_file_reference(shared_db_url: str, last_week: date) -> None:
    seeded_db_url = shared_db_url  # the other shared tests never export abacus-csv
    from backend.database.engine import create_engine, session_factory
    from backend.database.tenancy import TenantScope
    from backend.domain.finance import services
    from backend.domain.finance.models import ExportBatch
    from backend.domain.finance.repositories import ProviderDirectory
    from backend.domain.finance.weeks import FinanceWeek

    async def go() -> list[ExportBatch]:
        engines = [create_engine(seeded_db_url) for _ in range(4)]
        makers = [session_factory(e) for e in engines]
        async with makers[0]() as session:
            provider, authority = (await ProviderDirectory(session, TenantScope.system()).list(1))[0]
        week = FinanceWeek(last_week)
        batches = await asyncio.gather(*[
            services.create_batch(makers[i % 4], TenantScope.system(), provider, authority, week, "abacus-csv", None)
            for i in range(12)
        ])
        for e in engines:
            await e.dispose()
        return list(batches)

    batches = asyncio.run(go())
    references = [b.file_reference for b in batches]
    assert len(set(references)) == 12
    assert sorted(b.version for b in batches) == list(range(1, 13))
    by_version = {b.version: b for b in batches}
    assert all(by_version[v].supersedes_id == by_version[v - 1].id for v in range(2, 13))


def test_roles_and_tenancy(shared_api: TestClient, last_week: date) -> None:
    api = shared_api
    week = {"week_ending": last_week.isoformat()}
    admin = sign_in(api, "admin.demo")
    body = api.get("/api/v1/finance/reconciliation", params=week, headers=admin).json()
    assert [p["provider_ref"] for p in body["providers"]] == ["PRV001"]
    foreign = api.get("/api/v1/finance/reconciliation", params={**week, "provider_id": 2}, headers=admin)
    assert foreign.status_code == 403 and foreign.headers["content-type"].startswith("application/problem+json")
    assert api.post("/api/v1/finance/exports", params={**week, "provider_id": 2, "format": "abacus-csv"},
                   headers=admin).status_code == 403
    assert api.get("/api/v1/finance/reconciliation/clients/2", params=week, headers=admin).status_code == 404  # provider 2's
    for username in ("carer.demo", "supervisor.demo"):
        denied = api.get("/api/v1/finance/reconciliation", params=week, headers=sign_in(api, username))
        assert denied.status_code == 403
    assert api.get("/api/v1/finance/reconciliation", params=week).status_code == 401
    bad = api.get("/api/v1/finance/reconciliation", params={"week_ending": "2025-01-06"}, headers=admin)
    assert bad.status_code == 400 and "Sunday" in bad.json()["detail"]
    bad_format = api.post("/api/v1/finance/exports", params={**week, "format": "xlsx"}, headers=admin)
    assert bad_format.status_code == 400


def test_payment_rule_versions_change_billing(api: TestClient, last_week: date) -> None:
    commissioner = sign_in(api, "commissioner.demo")
    week = {"week_ending": last_week.isoformat(), "provider_id": 1}
    before = api.get("/api/v1/finance/reconciliation", params=week, headers=commissioner).json()["providers"][0]
    assert before["rules_version"] == 0
    rule = {"effective_from": (last_week - timedelta(days=6)).isoformat(), "billing_unit_minutes": 1, "rounding": "up",
            "grace_minutes": 0, "minimum_billable_minutes": 0, "cap_at_planned": False}
    created = api.post("/api/v1/finance/payment-rules", json=rule, headers=commissioner)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    later = api.post("/api/v1/finance/payment-rules", headers=commissioner,
                     json={"effective_from": (last_week + timedelta(days=1)).isoformat(), "billing_unit_minutes": 15})
    assert later.json()["version"] == 2
    after = api.get("/api/v1/finance/reconciliation", params=week, headers=commissioner).json()["providers"][0]
    assert after["rules_version"] == 1  # version 2 starts the week after
    # per-minute rounding up with no cap: billable equals the whole minutes worked, i.e. the carers' pay
    assert after["totals"]["billable_minutes"] == after["totals"]["pay_minutes"]
    assert after["totals"]["billable_minutes"] != before["totals"]["billable_minutes"]
    versions = api.get("/api/v1/finance/payment-rules", headers=sign_in(api, "admin.demo")).json()
    assert [v["version"] for v in versions["items"]] == [2, 1]
    denied = api.post("/api/v1/finance/payment-rules", json=rule, headers=sign_in(api, "admin.demo"))
    assert denied.status_code == 403
    invalid = api.post("/api/v1/finance/payment-rules", json={**rule, "billing_unit_minutes": 7}, headers=commissioner)
    assert invalid.status_code == 400
