"""Escalation with real delivery (aiosmtpd SMTP server, local webhook), and retention."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from backend.domain.alerts.models import Alert
from backend.domain.alerts.services import acknowledge, raise_alert
from backend.domain.audit.models import AuditLog
from backend.domain.operations.channels import channels_from_settings
from backend.domain.operations.escalation import deliver, escalate
from backend.domain.operations.models import Notification, OnCallContact
from backend.domain.operations.retention import apply_retention
from backend.domain.visits.models import VisitEvent
from shared.enums import AlertKind, AlertSeverity
from shared.timekeeping import utc_now
from tests.conftest import make_settings
from tests.operations.conftest import Inbox, minutes
from tests.support.database import Db
from tests.support.servers import free_port

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py


def _raise(db: Db, key: str, age: timedelta) -> int:
    async def go() -> int:
        async with db.sessionmaker() as s, s.begin():
            alert, _ = await raise_alert(s, provider_id=1, kind=AlertKind.MISSED_VISIT, severity=AlertSeverity.URGENT,
                                         message=f"test alert {key}", dedupe_key=key)
            alert.created_at = utc_now() - age
            return alert.id or 0
    return db.run(go())


def test_unacknowledged_alert_escalates_to_supervisor_then_on_call_manager(
    db: Db, tmp_path: Path, smtp: tuple[Inbox, int], webhook: tuple[list[tuple[bytes, str]], str]
) -> None:
    inbox, port = smtp
    hooks, hook_url = webhook
    settings = make_settings(db.url, tmp_path, smtp_host="127.0.0.1", smtp_port=port, escalation_minutes=15,
                             webhook_allow_private=True)  # the receiver is on this machine
    channels = channels_from_settings(settings)
    db.execute(OnCallContact.__table__.insert().values([  # type: ignore[attr-defined]
        {"provider_id": 1, "level": 1, "channel": "email", "address": "supervisor@p1.example", "active": True},
        {"provider_id": 1, "level": 2, "channel": "webhook", "address": hook_url, "active": True},
        {"provider_id": 2, "level": 1, "channel": "email", "address": "other-provider@p2.example", "active": True},
    ]))
    ignored = _raise(db, "ops-test-acknowledged", minutes(40))
    alert_id = _raise(db, "ops-test-escalate", minutes(16))

    async def ack() -> None:
        async with db.sessionmaker() as s, s.begin():
            acknowledge(await s.get(Alert, ignored), 1)
    db.run(ack())

    now = utc_now()
    for _ in range(3):  # repeated passes (or processes) never send twice
        db.run(escalate(db.sessionmaker, settings, now))
        db.run(deliver(db.sessionmaker, channels, now))
    assert db.scalars(select(Alert.escalation_level).where(Alert.id == alert_id)) == [1]
    assert db.scalars(select(Alert.escalation_level).where(Alert.id == ignored)) == [0]
    assert [m.rcpt_tos for m in inbox.messages] == [["supervisor@p1.example"]]
    assert b"escalated to supervisor" in inbox.messages[0].content
    assert hooks == []

    later = now + minutes(15)
    for _ in range(2):
        db.run(escalate(db.sessionmaker, settings, later))
        db.run(deliver(db.sessionmaker, channels, later))
    assert db.scalars(select(Alert.escalation_level).where(Alert.id == alert_id)) == [2]
    assert len(hooks) == 1 and len(inbox.messages) == 1
    body, signature = hooks[0]
    expected = hmac.new(settings.webhook_signing_key.encode(), body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    assert json.loads(body)["alert"]["id"] == str(alert_id)
    states = db.scalars(select(Notification.state).where(Notification.alert_id == alert_id))
    assert sorted(states) == ["sent"] * 4  # in-app and email at level 1, in-app and webhook at level 2


def test_failed_delivery_is_retried(db: Db, tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    broken = make_settings(db.url, tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())
    working = make_settings(db.url, tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    db.execute(OnCallContact.__table__.insert().values(  # type: ignore[attr-defined]
        provider_id=1, level=1, channel="email", address="sup@p1.example", active=True))
    _raise(db, "ops-test-retry", minutes(20))
    now = utc_now()
    db.run(escalate(db.sessionmaker, broken, now))
    counts = db.run(deliver(db.sessionmaker, channels_from_settings(broken), now))
    assert counts.failed == 1 and inbox.messages == []
    counts = db.run(deliver(db.sessionmaker, channels_from_settings(working), now))
    assert counts.sent == 1 and len(inbox.messages) == 1


def test_retention_nulls_old_locations_and_deletes_old_audit(db: Db, tmp_path: Path) -> None:
    settings = make_settings(db.url, tmp_path)
    now = utc_now()
    event_ids = db.scalars(select(VisitEvent.id).where(VisitEvent.distance_m.is_not(None)).order_by(VisitEvent.id).limit(2))
    old, recent = event_ids
    db.execute(update(VisitEvent).where(VisitEvent.id == old).values(server_time=now - timedelta(days=91)))
    db.execute(AuditLog.__table__.insert().values([  # type: ignore[attr-defined]
        {"action": "old", "entity": "t", "entity_id": "", "at": now - timedelta(days=9 * 365), "detail": {}},
        {"action": "kept", "entity": "t", "entity_id": "", "at": now - timedelta(days=7 * 365), "detail": {}},
    ]))
    counts = db.run(apply_retention(db.sessionmaker, settings, now))
    assert counts["location_verdicts_nulled"] >= 1 and counts["audit_rows_deleted"] == 1
    assert db.scalars(select(VisitEvent.distance_m).where(VisitEvent.id == old)) == [None]
    assert db.scalars(select(VisitEvent.distance_m).where(VisitEvent.id == recent)) != [None]
    assert db.scalars(select(AuditLog.action).where(AuditLog.action.in_(["old", "kept"]))) == ["kept"]
