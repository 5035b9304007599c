"""Telehealth condition profiles: set per client by a supervisor (audited), applied to readings however they arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from backend.database.engine import create_engine, session_factory
from backend.domain.audit.models import AuditLog
from tests.monitoring.conftest import PROVIDER_2_SUPERVISOR, first_client

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _audit(db_url: str, client_id: int) -> list[AuditLog]:
    async def run() -> list[AuditLog]:
        engine = create_engine(db_url)
        async with session_factory(engine)() as session:
            rows = list((await session.execute(select(AuditLog).where(
                AuditLog.entity == "telehealth_profile", AuditLog.entity_id == str(client_id))
                .order_by(AuditLog.id))).scalars())
        await engine.dispose()
        return rows

    return asyncio.run(run())


def _glucose_fhir(client_id: int, mg_dl: float, at: datetime) -> dict[str, Any]:
    """A glucose reading as a FHIR sender sends it: by mass (LOINC 2339-0, mg/dL)."""
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
            "subject": {"reference": f"Patient/{client_id}"}, "effectiveDateTime": at.isoformat(),
            "valueQuantity": {"value": mg_dl, "unit": "mg/dL", "system": "http://unitsofmeasure.org",
                              "code": "mg/dL"}}


def _rules(response: Any) -> list[str]:
    assert response.status_code == 201, response.text
    return sorted(alert["message"].split(":")[1].split("(")[0].strip() for alert in response.json()["alerts"])


def test_a_client_starts_on_the_default_profile_with_the_usual_thresholds(
        api: TestClient, supervisor: dict[str, str]) -> None:
    client_id = first_client(api, supervisor)["id"]
    shown = api.get(f"/api/v1/clients/{client_id}/telehealth-profile", headers=supervisor)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["profile"] == "default" and body["thresholds"] == {} and body["updated_by"] is None
    assert body["effective"] == {"spo2_target_low": 94.0, "spo2_target_high": 98.0, "hypercapnic": False,
                                 "weight_gain_kg": 2.0, "weight_gain_days": 3, "weight_trend_kg_per_week": 1.0,
                                 "hypo_mmol": 3.9, "hypo_level2_mmol": 3.0, "hyper_mmol": 13.9}


def test_the_profile_and_its_thresholds_apply_to_fhir_compact_and_hub_readings(
        api: TestClient, supervisor: dict[str, str], register: Callable[..., dict[str, Any]],
        seeded_db_url: str) -> None:
    hub = register(kind="telehealth")
    client_id = hub["device"]["client_id"]
    path = f"/api/v1/clients/{client_id}/observations"
    profile = f"/api/v1/clients/{client_id}/telehealth-profile"
    # Default profile: a high glucose is not triaged (the diabetes rules are off).
    assert _rules(api.post(path, json=_glucose_fhir(client_id, 270, NOW - timedelta(hours=3)), headers=supervisor)) == []

    changed = api.put(profile, json={"profile": "diabetes"}, headers=supervisor)
    assert changed.status_code == 200, changed.text
    assert changed.json()["profile"] == "diabetes" and changed.json()["updated_by"] is not None
    # 270 mg/dL is 15 mmol/L: hyperglycaemia, whether sent as FHIR by staff or in the compact form by the hub.
    assert _rules(api.post(path, json=_glucose_fhir(client_id, 270, NOW - timedelta(hours=2)),
                           headers=supervisor)) == ["hyperglycaemia"]
    by_hub = api.post(path, json={"time": (NOW - timedelta(hours=1)).isoformat(), "glucose": 15.0},
                      headers={"Authorization": f"Bearer {hub['token']}"})
    assert _rules(by_hub) == ["hyperglycaemia"]

    # The supervisor raises this person's limit: 15 mmol/L no longer alerts, 17 does.
    raised = api.put(profile, json={"profile": "diabetes", "thresholds": {"hyper_mmol": 16}}, headers=supervisor)
    assert raised.status_code == 200 and raised.json()["thresholds"] == {"hyper_mmol": 16.0}
    assert raised.json()["effective"]["hyper_mmol"] == 16.0 and raised.json()["effective"]["hypo_mmol"] == 3.9
    assert _rules(api.post(path, json={"time": (NOW - timedelta(minutes=30)).isoformat(), "glucose": 15.0},
                           headers=supervisor)) == []
    assert _rules(api.post(path, json={"time": NOW.isoformat(), "glucose": 17.0},
                           headers=supervisor)) == ["hyperglycaemia"]

    trail = _audit(seeded_db_url, client_id)
    assert [(row.detail["before"]["profile"], row.detail["after"]) for row in trail] == [
        ("default", {"profile": "diabetes", "thresholds": {}}),
        ("diabetes", {"profile": "diabetes", "thresholds": {"hyper_mmol": 16.0}})]
    assert all(row.actor_id is not None for row in trail)


def test_copd_target_range_is_the_persons_own(api: TestClient, supervisor: dict[str, str]) -> None:
    client_id = first_client(api, supervisor)["id"]
    path = f"/api/v1/clients/{client_id}/observations"
    profile = f"/api/v1/clients/{client_id}/telehealth-profile"

    def spo2_rules(value: float, at: datetime) -> list[str]:
        response = api.post(path, json={"time": at.isoformat(), "spo2": value}, headers=supervisor)
        assert response.status_code == 201, response.text
        return [a["message"] for a in response.json()["alerts"] if "target range" in a["message"]]

    assert api.put(profile, json={"profile": "copd"}, headers=supervisor).status_code == 200
    assert spo2_rules(90, NOW - timedelta(hours=2)) == ["SpO2 90% is below this person's target range 94–98%"]
    assert api.put(profile, json={"profile": "copd", "thresholds": {
        "spo2_target_low": 88, "spo2_target_high": 92, "hypercapnic": True}}, headers=supervisor).status_code == 200
    assert spo2_rules(90, NOW - timedelta(hours=1)) == []
    assert spo2_rules(87, NOW) == ["SpO2 87% is below this person's target range 88–92%"]


def test_only_staff_in_scope_change_it_and_bad_thresholds_are_a_400(
        api: TestClient, supervisor: dict[str, str], headers_for: Callable[[str], dict[str, str]]) -> None:
    client_id = first_client(api, supervisor)["id"]
    profile = f"/api/v1/clients/{client_id}/telehealth-profile"
    assert api.put(profile, json={"profile": "copd"}, headers=headers_for("carer.demo")).status_code == 403
    assert api.get(profile, headers=headers_for("carer.demo")).status_code == 403
    assert api.put(profile, json={"profile": "copd"}, headers=headers_for(PROVIDER_2_SUPERVISOR)).status_code == 404
    upside_down = api.put(profile, json={"profile": "copd", "thresholds": {"spo2_target_low": 95,
                                                                            "spo2_target_high": 90}},
                          headers=supervisor)
    assert upside_down.status_code == 400 and "spo2_target_low" in upside_down.json()["detail"]
    out_of_order = api.put(profile, json={"profile": "diabetes", "thresholds": {"hypo_mmol": 15}}, headers=supervisor)
    assert out_of_order.status_code == 400 and "hypo_mmol" in out_of_order.json()["detail"]
    for body in ({"profile": "asthma"}, {"profile": "copd", "thresholds": {"spo2_target_low": 30}},
                 {"profile": "copd", "thresholds": {"wheeze": 1}}):
        assert api.put(profile, json=body, headers=supervisor).status_code == 400, body
    assert api.get(profile, headers=supervisor).json()["profile"] == "default"  # nothing was changed
