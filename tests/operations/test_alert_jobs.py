"""Late, missed and unverified-end visits raise one alert each and are resolved when the visit moves on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from backend.domain.alerts.models import Alert
from backend.domain.operations.visit_watch import watch_visits
from backend.domain.people.models import Carer, Client
from backend.domain.visits.models import Visit, VisitAssignment
from shared.enums import AlertKind, AlertState, VisitStatus
from shared.timekeeping import LONDON, utc_now
from tests.conftest import make_settings
from tests.operations.conftest import minutes
from tests.support.database import Db

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py


def _alerts(db: Db, visit_id: int) -> list[Alert]:
    return db.scalars(select(Alert).where(Alert.visit_id == visit_id).order_by(Alert.id))


def _check(api: TestClient, headers: dict[str, str], visit_id: int, kind: str, at: datetime, visit: Visit | None = None) -> Any:
    body: dict[str, Any] = {"at": at.isoformat(), "method": "manual", "reason": "no_signal"}
    if kind == "check-out" and visit is not None:
        body["medication_outcomes"] = [{"medication_id": m["id"], "outcome": "given"} for m in visit.medications]
    response = api.post(f"/api/v1/visits/{visit_id}/{kind}", json=body,
                        headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 201, response.text
    return response.json()


def test_late_then_missed_raised_once_and_resolved_by_check_in(api: TestClient, db: Db, headers_for: Any, tmp_path: Any) -> None:
    settings = make_settings(db.url, tmp_path)
    now = utc_now()
    visit = db.carer_visits("carer.demo")[0]
    db.plan(visit.id, now - minutes(40), now + minutes(20))

    for _ in range(3):
        db.run(watch_visits(db.sessionmaker, settings, now))
    alerts = _alerts(db, visit.id)
    assert [(a.kind, a.state) for a in alerts] == [(AlertKind.LATE_VISIT, AlertState.OPEN)]
    assert alerts[0].dedupe_key == f"late-visit-{visit.id}"
    # in words a coordinator reads at a glance: the client, UK time, the carers, how late
    client = db.scalars(select(Client.name).where(Client.id == visit.client_id))[0]
    carers = db.scalars(select(Carer.name).join(VisitAssignment, VisitAssignment.carer_id == Carer.id)
                        .where(VisitAssignment.visit_id == visit.id).order_by(Carer.id))
    start = (now - minutes(40)).astimezone(LONDON).strftime("%H:%M")
    assert alerts[0].message == f"{client}'s {start} visit ({' and '.join(carers)}) has not started: 40 min late"

    later = now + minutes(25)
    for _ in range(3):
        db.run(watch_visits(db.sessionmaker, settings, later))
    alerts = _alerts(db, visit.id)
    assert [(a.kind, a.state) for a in alerts] == [
        (AlertKind.LATE_VISIT, AlertState.RESOLVED), (AlertKind.MISSED_VISIT, AlertState.OPEN)]
    assert db.scalars(select(Visit.status).where(Visit.id == visit.id)) == [VisitStatus.MISSED]
    end = (now + minutes(20)).astimezone(LONDON).strftime("%H:%M")
    assert alerts[1].message.endswith(f"was missed: nobody checked in by its planned end at {end}")
    assert str(visit.id) not in alerts[1].message and "+00:00" not in alerts[1].message

    board = api.get("/api/v1/board", params={"date": str(visit.visit_date)}, headers=headers_for("supervisor.demo")).json()
    assert any(a["visit_id"] == visit.id and a["kind"] == "missed_visit" for a in board["alerts"]["items"])

    _check(api, headers_for("carer.demo"), visit.id, "check-in", utc_now())
    assert {a.state for a in _alerts(db, visit.id)} == {AlertState.RESOLVED}
    db.run(watch_visits(db.sessionmaker, settings, later + minutes(5)))
    assert len(_alerts(db, visit.id)) == 2, "a started visit raises nothing new"


def test_late_alert_of_a_visit_started_during_the_watch_is_resolved_next_pass(db: Db, tmp_path: Any) -> None:
    settings = make_settings(db.url, tmp_path)
    now = utc_now()
    visit = db.carer_visits("carer.demo")[1]
    db.plan(visit.id, now - minutes(35), now + minutes(30))
    db.run(watch_visits(db.sessionmaker, settings, now))
    db.plan(visit.id, now - minutes(35), now + minutes(30), VisitStatus.IN_PROGRESS)  # started without the resolving path
    db.run(watch_visits(db.sessionmaker, settings, now + minutes(1)))
    assert [(a.kind, a.state) for a in _alerts(db, visit.id)] == [(AlertKind.LATE_VISIT, AlertState.RESOLVED)]


def test_unverified_end_raised_once_and_resolved_by_check_out(api: TestClient, db: Db, headers_for: Any, tmp_path: Any) -> None:
    settings = make_settings(db.url, tmp_path)
    now = utc_now()
    visit = db.carer_visits("carer.demo")[2]
    db.plan(visit.id, now - minutes(100), now - minutes(40))
    carer = headers_for("carer.demo")
    _check(api, carer, visit.id, "check-in", now - minutes(95))

    db.run(watch_visits(db.sessionmaker, settings, now - minutes(15)))  # within the grace after planned end
    assert _alerts(db, visit.id) == []
    for _ in range(3):
        db.run(watch_visits(db.sessionmaker, settings, now))
    alerts = _alerts(db, visit.id)
    assert [(a.kind, a.state, a.dedupe_key) for a in alerts] == [
        (AlertKind.UNVERIFIED_END, AlertState.OPEN, f"unverified-end-{visit.id}")]

    _check(api, carer, visit.id, "check-out", utc_now(), visit)
    db.run(watch_visits(db.sessionmaker, settings, now + minutes(1)))
    assert [(a.kind, a.state) for a in _alerts(db, visit.id)] == [(AlertKind.UNVERIFIED_END, AlertState.RESOLVED)]


def test_cancelled_and_completed_visits_raise_nothing(db: Db, tmp_path: Any) -> None:
    settings = make_settings(db.url, tmp_path)
    now = utc_now()
    cancelled, completed = db.carer_visits("carer.demo")[3:5]
    db.plan(cancelled.id, now - minutes(120), now - minutes(60), VisitStatus.CANCELLED)
    db.plan(completed.id, now - minutes(120), now - minutes(60), VisitStatus.COMPLETED)
    db.run(watch_visits(db.sessionmaker, settings, now))
    assert _alerts(db, cancelled.id) == [] and _alerts(db, completed.id) == []
