"""The monitoring API: device registration, the sensor webhook, vitals, dead letters and tenancy."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from backend.database.engine import create_engine, session_factory
from backend.domain.alerts.models import Alert
from backend.domain.monitoring.models import DeadLetter, Device, SensorEvent
from tests.monitoring.conftest import (
    PROVIDER_1_ADMIN,
    PROVIDER_2_ADMIN,
    PROVIDER_2_SUPERVISOR,
    first_client,
    post_events,
    signed,
)

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SICK = {"time": NOW.isoformat(), "respiratory_rate": 26, "spo2": 90, "systolic_bp": 95, "diastolic_bp": 60,
        "heart_rate": 120, "temperature": 38.5}


def _rows(db_url: str, statement: Any) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_engine(db_url)
        async with session_factory(engine)() as session:
            rows = list((await session.execute(statement)).scalars().all())
        await engine.dispose()
        return rows

    return asyncio.run(run())


def _device_headers(registered: dict[str, Any], **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {registered['token']}", **extra}


def test_registration_returns_the_token_once_and_keeps_only_its_hash(
        api: TestClient, supervisor: dict[str, str], register: Callable[..., dict[str, Any]], seeded_db_url: str) -> None:
    registered = register({"Kitchen PIR": "Kitchen", "bed pad": {"room": "bedroom", "kind": "pressure"}})
    device = registered["device"]
    assert registered["token"].startswith(f"dvc_{device['id']}_")
    assert device["rooms"] == {"Kitchen PIR": {"room": "kitchen", "kind": None},
                               "bed pad": {"room": "bedroom", "kind": "pressure"}}
    shown = api.get(f"/api/v1/devices/{device['id']}", headers=supervisor)
    assert shown.status_code == 200 and "token" not in shown.text
    listed = api.get(f"/api/v1/clients/{device['client_id']}/devices", headers=supervisor).json()
    assert [d["id"] for d in listed["items"]] == [device["id"]] and listed["total"] == 1
    (row,) = _rows(seeded_db_url, select(Device).where(Device.id == device["id"]))
    assert row.token_hash and registered["token"] not in row.token_hash

    # A friendly name is a broker topic: a second gateway cannot claim it; nor can a name be reused.
    clash = api.post(f"/api/v1/clients/{device['client_id']}/devices", headers=supervisor,
                     json={"name": "another-hub", "rooms": {"Kitchen PIR": "kitchen"}})
    assert clash.status_code == 409 and "Kitchen PIR" in clash.json()["detail"]
    again = api.post(f"/api/v1/clients/{device['client_id']}/devices", headers=supervisor, json={"name": device["name"]})
    assert again.status_code == 409

    rotated = api.post(f"/api/v1/devices/{device['id']}/token", headers=supervisor).json()
    assert rotated["signing_key"] != registered["signing_key"]  # the key follows the token
    hub = {"sensor": "x", "kind": "motion", "value": 1, "time": NOW.isoformat()}
    assert post_events(api, registered, hub).status_code == 401
    assert post_events(api, {**rotated, "signing_key": registered["signing_key"]}, hub).status_code == 401
    assert post_events(api, rotated, hub).status_code == 202


def test_webhook_needs_a_device_token_stores_events_once_and_dead_letters_garbage(
        api: TestClient, supervisor: dict[str, str], register: Callable[..., dict[str, Any]],
        headers_for: Callable[[str], dict[str, str]]) -> None:
    registered = register({"front door": "hall"}, kind="webhook")
    client_id = registered["device"]["client_id"]
    body = {"events": [
        {"sensor": "front door", "kind": "contact", "value": 1, "time": NOW.isoformat()},
        {"sensor": "lounge-pir", "kind": "motion", "value": 1, "time": (NOW + timedelta(seconds=5)).isoformat(),
         "room": "Living room"}]}
    assert api.post("/api/v1/sensors/events", json=body).status_code == 401
    assert api.post("/api/v1/sensors/events", json=body, headers={"X-Device-Token": "dvc_1_forged"}).status_code == 401
    assert api.post("/api/v1/sensors/events", json=body, headers=supervisor).status_code == 401  # staff are not devices

    handed: list[tuple[Any, list[Any]]] = []

    class LiveDetectors:  # stands in for the ingest worker the lifespan puts in app.state.monitoring
        def observe(self, device: Any, readings: list[Any]) -> None:
            handed.append((device, readings))

    api.app.state.monitoring = LiveDetectors()
    first = post_events(api, registered, body, **{"Idempotency-Key": "k1"})
    assert first.status_code == 202, first.text
    ((device_ref, readings),) = handed
    assert device_ref.client_id == client_id and [r.room for r in readings] == ["entrance", "living"]
    replay = post_events(api, registered, body, **{"Idempotency-Key": "k1"})
    assert replay.json() == first.json() and first.json()["accepted"] == 2
    assert len(handed) == 1  # the detectors see each reading once

    events = api.get(f"/api/v1/clients/{client_id}/sensor-events", headers=supervisor).json()
    assert events["total"] == 2
    assert [(e["sensor"], e["room"], e["kind"]) for e in events["items"]] == [
        ("lounge-pir", "living", "motion"), ("front door", "entrance", "contact")]

    garbage = b'{"events": [{"sensor": "x", "kind": "smell", "value": 1}]}'
    bad = api.post("/api/v1/sensors/events", content=garbage, headers=signed(registered, garbage))
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    problem = bad.json()
    assert problem["dead_letter_id"] and "'smell'" in problem["detail"] and "events[0].kind" in problem["detail"]

    admin = headers_for(PROVIDER_1_ADMIN)
    letters = api.get("/api/v1/dead-letters", headers=admin).json()
    assert letters["items"][0]["id"] == problem["dead_letter_id"]
    assert letters["items"][0]["source"] == "webhook" and '"smell"' in letters["items"][0]["payload"]
    assert api.get("/api/v1/dead-letters", headers=supervisor).status_code == 403
    assert api.get("/api/v1/dead-letters", headers=headers_for(PROVIDER_2_ADMIN)).json()["total"] == 0


def test_news2_of_seven_or_more_raises_an_emergency_alert_once(
        api: TestClient, register: Callable[..., dict[str, Any]], supervisor: dict[str, str], seeded_db_url: str) -> None:
    hub = register(kind="telehealth")
    client_id = hub["device"]["client_id"]
    path = f"/api/v1/clients/{client_id}/observations"
    first = api.post(path, json=SICK, headers=_device_headers(hub, **{"Idempotency-Key": "vitals-1"}))
    assert first.status_code == 201, first.text
    result = first.json()
    assert len(result["observations"]) == 6
    (alert,) = [a for a in result["alerts"] if "NEWS2" in a["message"]]
    assert alert["severity"] == "emergency" and alert["kind"] == "vitals"
    replay = api.post(path, json=SICK, headers=_device_headers(hub, **{"Idempotency-Key": "vitals-1"}))
    assert replay.status_code == 201 and replay.json() == result
    assert api.get(path, headers=supervisor).json()["total"] == 6
    stored = _rows(seeded_db_url, select(Alert).where(Alert.client_id == client_id, Alert.kind == "vitals"))
    assert [(a.id, a.severity) for a in stored] == [(alert["id"], "emergency")]

    # Staff may record too; the same readings without a key are recognised and not stored twice.
    again = api.post(path, json=SICK, headers=supervisor)
    assert again.status_code == 201 and {o["id"] for o in again.json()["observations"]} == {
        o["id"] for o in result["observations"]}
    assert api.get(path, headers=supervisor).json()["total"] == 6


def test_impossible_vitals_are_a_400_naming_the_field_and_a_dead_letter_from_devices(
        api: TestClient, register: Callable[..., dict[str, Any]], supervisor: dict[str, str],
        headers_for: Callable[[str], dict[str, str]]) -> None:
    hub = register(kind="telehealth")
    client_id = hub["device"]["client_id"]
    path = f"/api/v1/clients/{client_id}/observations"
    bad = api.post(path, json={"time": NOW.isoformat(), "heart_rate": 400}, headers=_device_headers(hub))
    assert bad.status_code == 400
    problem = bad.json()
    assert problem["field"] == "heart_rate" and "impossible" in problem["detail"] and problem["dead_letter_id"]
    by_staff = api.post(path, json={"time": NOW.isoformat(), "spo2": 101}, headers=supervisor)
    assert by_staff.status_code == 400 and by_staff.json()["field"] == "spo2" and "dead_letter_id" not in by_staff.json()
    letters = api.get("/api/v1/dead-letters", headers=headers_for(PROVIDER_1_ADMIN)).json()
    assert [letter["source"] for letter in letters["items"]] == ["vitals"]  # the staff error is not a dead letter
    # Shapes the FHIR parser does not expect (a list where an object belongs) are a 400 too, never a 500.
    odd = {"resourceType": "Observation", "subject": [1], "effectiveDateTime": NOW.isoformat(),
           "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}, "valueQuantity": {"value": 70}}
    assert api.post(path, json=odd, headers=_device_headers(hub)).status_code == 400
    other = first_client(api, headers_for(PROVIDER_2_SUPERVISOR))["id"]
    assert api.post(f"/api/v1/clients/{other}/observations", json=SICK, headers=_device_headers(hub)).status_code == 403


def test_fhir_in_and_bundle_out(api: TestClient, supervisor: dict[str, str]) -> None:
    client_id = first_client(api, supervisor)["id"]
    observation = {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": f"Patient/{client_id}"}, "effectiveDateTime": NOW.isoformat(),
        "component": [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
             "valueQuantity": {"value": 128, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
             "valueQuantity": {"value": 82, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]}
    created = api.post(f"/api/v1/clients/{client_id}/observations", json=observation, headers=supervisor)
    assert created.status_code == 201, created.text
    bundle = api.get(f"/api/v1/clients/{client_id}/observations", params={"format": "fhir"}, headers=supervisor).json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset" and bundle["total"] == 1
    (entry,) = bundle["entry"]
    assert entry["resource"]["code"]["coding"][0]["code"] == "85354-9"
    assert sorted(c["valueQuantity"]["value"] for c in entry["resource"]["component"]) == [82, 128]
    wrong = dict(observation, subject={"reference": "Patient/someone-else"})
    refused = api.post(f"/api/v1/clients/{client_id}/observations", json=wrong, headers=supervisor)
    assert refused.status_code == 400 and refused.json()["field"] == "subject"


def test_another_provider_sees_none_of_it(api: TestClient, register: Callable[..., dict[str, Any]],
                                         supervisor: dict[str, str], headers_for: Callable[[str], dict[str, str]]) -> None:
    registered = register({"hall pir": "hall"}, kind="webhook")
    device, client_id = registered["device"], registered["device"]["client_id"]
    post_events(api, registered, {"sensor": "hall pir", "kind": "motion", "value": 1, "time": NOW.isoformat()})
    api.post(f"/api/v1/clients/{client_id}/observations", json=SICK, headers=supervisor)
    intruder = headers_for(PROVIDER_2_SUPERVISOR)
    for path in (f"/api/v1/devices/{device['id']}", f"/api/v1/devices/{device['id']}/sensors",
                 f"/api/v1/clients/{client_id}/devices",
                 f"/api/v1/clients/{client_id}/sensor-events", f"/api/v1/clients/{client_id}/observations"):
        assert api.get(path, headers=intruder).status_code == 404, path
    theirs = api.get("/api/v1/devices", headers=intruder, params={"limit": 500}).json()["items"]
    assert device["id"] not in {d["id"] for d in theirs} and {d["provider_id"] for d in theirs} <= {2}
    assert api.post(f"/api/v1/clients/{client_id}/observations", json=SICK, headers=intruder).status_code == 404
    assert api.post(f"/api/v1/clients/{client_id}/devices", json={"name": "sneaky"}, headers=intruder).status_code == 404
    assert api.get(f"/api/v1/clients/{client_id}/sensor-events", headers=supervisor).json()["total"] == 1


def test_a_hubs_readings_keep_each_sensors_own_health(
        api: TestClient, register: Callable[..., dict[str, Any]], supervisor: dict[str, str]) -> None:
    registered = register({"hall pir": "hall", "bed pad": "bedroom"}, kind="webhook")
    events = [{"sensor": "hall pir", "kind": "motion", "value": 1, "time": NOW.isoformat()},
              {"sensor": "hall pir", "kind": "battery", "value": 12, "time": NOW.isoformat()},
              {"sensor": "bed pad", "kind": "availability", "value": 0, "time": NOW.isoformat()}]
    assert post_events(api, registered, {"events": events}).status_code == 202
    sensors = api.get(f"/api/v1/devices/{registered['device']['id']}/sensors", headers=supervisor).json()
    assert [(s["sensor"], s["room"], s["online"], s["battery"]) for s in sensors["items"]] == [
        ("bed pad", "bedroom", False, None), ("hall pir", "entrance", True, 12.0)]
    assert sensors["total"] == 2


def test_webhook_bodies_are_signed_and_readings_dated_in_the_window(
        api: TestClient, register: Callable[..., dict[str, Any]], seeded_db_url: str) -> None:
    registered = register({"hall pir": "hall"}, kind="webhook")
    reading = {"sensor": "hall pir", "kind": "motion", "value": 1, "time": NOW.isoformat()}
    body = json.dumps(reading).encode()
    now = int(NOW.timestamp())
    unsigned = api.post("/api/v1/sensors/events", content=body, headers={"X-Device-Token": registered["token"]})
    assert unsigned.status_code == 401 and "signed request is required" in unsigned.json()["detail"]
    tampered = api.post("/api/v1/sensors/events", content=body.replace(b'"value": 1', b'"value": 0'),
                        headers=signed(registered, body))
    assert tampered.status_code == 401 and "does not match" in tampered.json()["detail"]
    stale = api.post("/api/v1/sensors/events", content=body, headers=signed(registered, body, at=now - 3600))
    assert stale.status_code == 401 and "from the server's clock" in stale.json()["detail"]  # a replayed capture
    for when, why in ((datetime(2099, 1, 1, tzinfo=timezone.utc), "in the future"),
                      (datetime(1971, 1, 1, tzinfo=timezone.utc), "older than the 72 h")):
        dated = post_events(api, registered, {**reading, "time": when.isoformat()})
        assert dated.status_code == 400 and why in dated.json()["detail"], dated.text
    assert post_events(api, registered, reading).status_code == 202
    letters = _rows(seeded_db_url, select(DeadLetter).where(DeadLetter.source == "webhook",
                                                            DeadLetter.provider_id == registered["device"]["provider_id"]))
    reasons = " | ".join(letter.reason for letter in letters)
    for why in ("signed request is required", "does not match", "from the server's clock", "in the future", "older than"):
        assert why in reasons  # each refusal kept for the provider's admins with its reason
    stored = _rows(seeded_db_url, select(SensorEvent).where(SensorEvent.device_id == registered["device"]["id"]))
    assert [(e.sensor, e.value) for e in stored] == [("hall pir", 1.0)]
