"""Retention per record type, and a removed family contact's address gone from the notification log
(issue 14, item 10)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from backend.config import Settings
from backend.domain.alerts.models import Alert
from backend.domain.monitoring.models import DeadLetter, Observation
from backend.domain.operations.models import Notification
from backend.domain.operations.retention import apply_retention
from backend.domain.operations.visit_watch import watch_visits
from backend.domain.visits.models import Amendment, Visit, VisitEvent
from shared.enums import AlertKind, AlertSeverity, AlertState
from shared.timekeeping import utc_now
from tests.conftest import make_settings, sign_in
from tests.support.database import Db
from tests.support.visits import now_iso, post

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py

YEAR = timedelta(days=365)
ADDRESS = "jo.bloggs@family.example"


def test_removing_a_family_contact_redacts_their_address_from_the_notification_log(
    api: TestClient, db: Db, tmp_path: Path
) -> None:
    supervisor = sign_in(api, "supervisor.demo")
    visit = db.carer_visits("carer.demo")[0]
    now = utc_now()
    db.settle_round(now)
    db.plan(visit.id, now - timedelta(minutes=120), now - timedelta(minutes=60))
    added = api.post(f"/api/v1/clients/{visit.client_id}/family-contacts", headers=supervisor,
                     json={"name": "Jo Bloggs", "channel": "email", "address": ADDRESS, "notify_missed_visits": True})
    assert added.status_code == 201, added.text
    contact_id = added.json()["id"]
    assert db.run(watch_visits(db.sessionmaker, make_settings(db.url, tmp_path), now)).family_notifications == 1
    db.execute(update(Notification).where(Notification.family_contact_id == contact_id)
               .values(state="failed", error=f"550 mailbox {ADDRESS} unavailable"))
    log = api.get("/api/v1/notifications", params={"limit": 500}, headers=supervisor).json()["items"]
    assert [n["address"] for n in log if n["family_contact_id"] == contact_id] == [ADDRESS]

    assert api.delete(f"/api/v1/family-contacts/{contact_id}", headers=supervisor).status_code == 204
    log = api.get("/api/v1/notifications", params={"limit": 500}, headers=supervisor).json()["items"]
    assert ADDRESS not in str(log)
    family = [n for n in log if n["audience"] == "family"]
    assert [(n["address"], n["error"]) for n in family] == [
        (f"(removed family contact {contact_id})", f"550 mailbox (removed family contact {contact_id}) unavailable")]
    assert db.scalars(select(Notification.id).where(Notification.address == ADDRESS)) == []


def _alert(db: Db, key: str, *, resolved_ago: timedelta | None) -> int:
    now = utc_now()
    db.execute(Alert.__table__.insert().values(  # type: ignore[attr-defined]
        provider_id=1, kind=AlertKind.DEVICE_OFFLINE, severity=AlertSeverity.WARNING,
        state=AlertState.RESOLVED if resolved_ago else AlertState.OPEN, message=key, dedupe_key=key, detail={},
        escalation_level=0, created_at=now - (resolved_ago or 9 * YEAR) - timedelta(hours=1),
        resolved_at=now - resolved_ago if resolved_ago else None))
    return db.scalars(select(Alert.id).where(Alert.dedupe_key == key))[0]


def _written(api: TestClient, carer: dict[str, str], visit_id: int, text: str) -> None:
    base = f"/api/v1/visits/{visit_id}"
    assert post(api, f"{base}/notes", carer, {"at": now_iso(), "text": text}).status_code == 201
    assert post(api, f"{base}/concerns", carer, {"at": now_iso(), "category": "other", "text": text}).status_code == 201


def test_each_record_type_is_kept_for_its_period_and_care_records_until_8_years_after_care_ended(
    api: TestClient, db: Db, tmp_path: Path
) -> None:
    carer, supervisor = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo")
    ended = db.carer_visits("carer.demo", limit=50)[0]
    ongoing = next(v for v in db.carer_visits("carer.demo", limit=50) if v.client_id != ended.client_id)
    _written(api, carer, ended.id, "Care ended long ago.")
    _written(api, carer, ongoing.id, "Still visited.")
    amended = api.post(f"/api/v1/visits/{ended.id}/amendments", headers=supervisor,
                       json={"reason_code": "client_in_hospital", "changes": {"status": "cancelled"}})
    assert amended.status_code == 201, amended.text
    now = utc_now()
    # The first client's care ended nine years ago: every visit and reading of theirs is that old.
    nine_years_ago = now - 9 * YEAR
    db.execute(update(Visit).where(Visit.client_id == ended.client_id).values(
        visit_date=nine_years_ago.date(), planned_start=nine_years_ago, planned_end=nine_years_ago + timedelta(hours=1)))
    db.execute(update(Observation).where(Observation.client_id == ended.client_id).values(effective_at=nine_years_ago))
    # The other client's old visit is as old, but their care goes on: nothing of theirs goes.
    db.execute(update(Visit).where(Visit.id == ongoing.id).values(visit_date=nine_years_ago.date()))
    db.execute(update(VisitEvent).where(VisitEvent.visit_id == ongoing.id).values(device_time=nine_years_ago))
    db.execute(DeadLetter.__table__.insert().values([  # type: ignore[attr-defined]
        {"provider_id": 1, "source": "test", "reason": "old", "payload": "{}", "received_at": now - timedelta(days=91)},
        {"provider_id": 1, "source": "test", "reason": "recent", "payload": "{}", "received_at": now - timedelta(days=89)},
    ]))
    old_resolved = _alert(db, "retention-old", resolved_ago=9 * YEAR)
    recent_resolved = _alert(db, "retention-recent", resolved_ago=7 * YEAR)
    still_open = _alert(db, "retention-open", resolved_ago=None)
    db.execute(Notification.__table__.insert().values([  # type: ignore[attr-defined]
        {"provider_id": 1, "alert_id": old_resolved, "level": 1, "audience": "staff", "channel": "email",
         "address": "a@p1.example", "state": "sent", "attempts": 1, "error": "", "created_at": now - YEAR},
        {"provider_id": 1, "alert_id": recent_resolved, "level": 1, "audience": "staff", "channel": "email",
         "address": "b@p1.example", "state": "sent", "attempts": 1, "error": "", "created_at": now - 3 * YEAR},
        {"provider_id": 1, "alert_id": still_open, "level": 1, "audience": "staff", "channel": "email",
         "address": "c@p1.example", "state": "sent", "attempts": 1, "error": "", "created_at": now - YEAR},
    ]))

    counts = db.run(apply_retention(db.sessionmaker, make_settings(db.url, tmp_path), now))

    def texts(visit_id: int, path: str) -> list[str]:
        return [i["text"] for i in api.get(f"/api/v1/visits/{visit_id}/{path}", headers=supervisor).json()["items"]]

    assert texts(ended.id, "case-notes") == [] and texts(ended.id, "concerns-raised") == []
    assert texts(ongoing.id, "case-notes") == ["Still visited."] and texts(ongoing.id, "concerns-raised") == ["Still visited."]
    assert db.scalars(select(Amendment.id).where(Amendment.visit_id == ended.id)) == []
    assert db.scalars(select(Observation.id).where(Observation.client_id == ended.client_id)) == []
    assert counts["care_records_deleted"] >= 5  # a note, a concern, an amendment, readings
    assert db.scalars(select(DeadLetter.reason).where(DeadLetter.source == "test")) == ["recent"]
    kept_alerts = db.scalars(select(Alert.id).where(Alert.dedupe_key.like("retention-%")).order_by(Alert.id))
    assert kept_alerts == [recent_resolved, still_open]
    assert db.scalars(select(Notification.address).where(Notification.address.like("%@p1.example"))) == ["c@p1.example"]
    assert counts["alerts_deleted"] == 1 and counts["dead_letters_deleted"] >= 1


def test_retention_periods_are_settings_declared_once_and_in_the_readme() -> None:
    from backend.config import env_name

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    retention = [name for name in Settings.__struct_fields__ if name.startswith("retention_")]
    assert {"retention_care_record_days", "retention_alert_days", "retention_notification_days",
            "retention_dead_letter_days", "retention_sensor_days", "retention_signin_days"} <= set(retention)
    assert all(f"`{env_name(n)}`" in readme for n in retention)
