"""Welfare checks end to end: a quiet home's finding asks the person first; "I'm OK" closes it, silence escalates."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from backend.database.engine import create_engine, session_factory
from backend.domain.alerts.models import Alert
from backend.domain.monitoring.alerting import raise_sensor_alert
from backend.domain.welfare.models import WelfareCheck
from backend.domain.welfare.services import escalate_due
from sensors.detectors import DetectorAlert as Finding
from sensors.detectors import DetectorKind
from shared.enums import ResponseTier
from shared.timekeeping import utc_now

SUPERVISOR = "supervisor.demo"
CARER = "carer.demo"
OTHER_PROVIDER_SUPERVISOR = "supervisor.p002"


def _finding(tier: ResponseTier, at: datetime, kind: DetectorKind = DetectorKind.INACTIVITY) -> Finding:
    return Finding(home="home", at=at, kind=kind, severity=tier,
                   explanation="no sign of life since 10:41 (last: hall pir, up and about), 1 h 20 min so far")


def _run(url: str, work: Callable[[Any], Any]) -> Any:
    async def go() -> Any:
        engine = create_engine(url)
        sessions = session_factory(engine)
        try:
            return await work(sessions)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _raise(url: str, client_id: int, finding: Finding, wait: timedelta = timedelta(minutes=15)) -> None:
    async def work(sessions: Any) -> None:
        async with sessions() as session:
            await raise_sensor_alert(session, 1, client_id, finding, wait)
            await raise_sensor_alert(session, 1, client_id, finding, wait)  # a redelivery asks nobody twice
            await session.commit()

    _run(url, work)


def _rows(url: str, model: Any, *where: Any) -> list[Any]:
    async def work(sessions: Any) -> list[Any]:
        async with sessions() as session:
            return list((await session.execute(select(model).where(*where))).scalars().all())

    return _run(url, work)


@pytest.fixture
def home(api: TestClient, headers_for: Callable[[str], dict[str, str]]) -> dict[str, Any]:
    """A webhook hub registered to a client of provider 1: the hub that prompts the person."""
    supervisor = headers_for(SUPERVISOR)
    client = api.get("/api/v1/clients", headers=supervisor, params={"limit": 1}).json()["items"][0]
    body = {"name": f"hub-{uuid.uuid4().hex[:8]}", "kind": "webhook", "rooms": {}}
    response = api.post(f"/api/v1/clients/{client['id']}/devices", json=body, headers=supervisor)
    assert response.status_code == 201, response.text
    return {"client_id": client["id"], "hub": {"X-Device-Token": response.json()["token"]}}


def test_a_check_is_asked_on_the_hub_and_im_ok_closes_it(api, headers_for, seeded_db_url, home):
    client_id = home["client_id"]
    _raise(seeded_db_url, client_id, _finding(ResponseTier.CHECK, utc_now() - timedelta(minutes=1)))
    # Not an alarm: nothing on the alert list, one open check on the welfare list.
    assert _rows(seeded_db_url, Alert, Alert.client_id == client_id, Alert.kind == "sensor_anomaly") == []
    supervisor = headers_for(SUPERVISOR)
    listed = api.get("/api/v1/welfare-checks", headers=supervisor, params={"state": "open", "client_id": client_id})
    assert listed.status_code == 200 and listed.json()["total"] == 1
    check = listed.json()["items"][0]
    assert check["detector"] == "inactivity" and check["explanation"].startswith("no sign of life since 10:41")
    assert [s["step"] for s in check["steps"]] == ["raised", "prompted"]

    shown = api.get("/api/v1/sensors/welfare-checks", headers=home["hub"])
    assert [c["id"] for c in shown.json()] == [check["id"]]
    answered = api.post(f"/api/v1/sensors/welfare-checks/{check['id']}/answer", headers=home["hub"],
                        json={"note": "pressed I'm OK"})
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["state"] == "answered" and body["answered_by"] == "person" and body["answer_note"] == "pressed I'm OK"
    assert [s["step"] for s in body["steps"]] == ["raised", "prompted", "answered"]
    assert body["steps"][2]["actor"].startswith("home hub ") and 0 <= body["response_minutes"] < 5
    # Pressed twice: the first answer stands; the hub has nothing left to ask; no escalation follows.
    again = api.post(f"/api/v1/sensors/welfare-checks/{check['id']}/answer", headers=home["hub"], json={})
    assert again.json()["answered_at"] == body["answered_at"] and len(again.json()["steps"]) == 3
    assert api.get("/api/v1/sensors/welfare-checks", headers=home["hub"]).json() == []
    counts = _run(seeded_db_url, lambda sessions: escalate_due(sessions, utc_now() + timedelta(hours=1)))
    assert counts.escalated == 0


def test_an_unanswered_check_escalates_after_the_wait_to_one_urgent_alert(api, headers_for, seeded_db_url, home):
    client_id = home["client_id"]
    _raise(seeded_db_url, client_id, _finding(ResponseTier.CHECK, utc_now()), wait=timedelta(minutes=5))
    (check,) = _rows(seeded_db_url, WelfareCheck, WelfareCheck.client_id == client_id)
    assert check.escalate_at - check.raised_at == timedelta(minutes=5)

    early = _run(seeded_db_url, lambda sessions: escalate_due(sessions, check.escalate_at - timedelta(seconds=1)))
    assert early.escalated == 0
    due = check.escalate_at + timedelta(seconds=1)
    results = [_run(seeded_db_url, lambda sessions: escalate_due(sessions, due)) for _ in range(2)]
    assert [r.escalated for r in results] == [1, 0]  # once, however often the job runs

    (alert,) = _rows(seeded_db_url, Alert, Alert.client_id == client_id, Alert.kind == "sensor_anomaly")
    assert alert.severity == "urgent" and alert.message.startswith("No answer to the welfare check raised at ")
    assert alert.detail["welfare_check_id"] == check.id
    supervisor = headers_for(SUPERVISOR)
    alerts = api.get("/api/v1/alerts", headers=supervisor).json()["items"]
    assert any(a["id"] == alert.id and a["severity"] == "urgent" for a in alerts)
    escalated = api.get(f"/api/v1/welfare-checks/{check.id}", headers=supervisor).json()
    assert escalated["state"] == "escalated" and escalated["alert_id"] == alert.id
    assert [s["step"] for s in escalated["steps"]] == ["raised", "prompted", "escalated"]
    # An answer that comes after escalation is kept, and the alarm stays with staff.
    late = api.post(f"/api/v1/welfare-checks/{check.id}/answer", headers=headers_for(CARER), json={"note": "phoned"})
    assert late.status_code == 200 and late.json()["state"] == "escalated"
    assert late.json()["steps"][-1]["step"] == "answered late"


def test_a_carer_can_answer_staff_of_another_provider_and_other_homes_cannot(api, headers_for, seeded_db_url, home):
    client_id = home["client_id"]
    _raise(seeded_db_url, client_id, _finding(ResponseTier.CHECK, utc_now(), DetectorKind.LATE_WAKE))
    (check,) = _rows(seeded_db_url, WelfareCheck, WelfareCheck.client_id == client_id)
    outsider = api.post(f"/api/v1/welfare-checks/{check.id}/answer", headers=headers_for(OTHER_PROVIDER_SUPERVISOR),
                        json={})
    assert outsider.status_code == 404
    assert api.get("/api/v1/welfare-checks", headers=headers_for(CARER)).status_code == 403  # the board is the office's
    answered = api.post(f"/api/v1/welfare-checks/{check.id}/answer", headers=headers_for(CARER),
                        json={"note": "visited, she was in the garden"})
    assert answered.json()["answered_by"] == "carer" and answered.json()["state"] == "answered"
    assert api.post(f"/api/v1/welfare-checks/{check.id}/answer", headers=headers_for(CARER),
                    json={"unknown": 1}).status_code == 400
    assert api.post("/api/v1/sensors/welfare-checks/1/answer", json={}).status_code == 401


def test_an_urgent_finding_is_an_alarm_at_once(seeded_db_url, home):
    client_id = home["client_id"]
    _raise(seeded_db_url, client_id, _finding(ResponseTier.URGENT, utc_now()))
    assert _rows(seeded_db_url, WelfareCheck, WelfareCheck.client_id == client_id) == []
    (alert,) = _rows(seeded_db_url, Alert, Alert.client_id == client_id, Alert.kind == "sensor_anomaly")
    assert alert.severity == "urgent" and alert.detail["tier"] == "urgent"
