"""Families who consented are told once of a missed visit (real SMTP via aiosmtpd), and nothing private is said."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from backend.database.engine import create_engine, session_factory
from backend.domain.operations.channels import channels_from_settings
from backend.domain.operations.escalation import deliver
from backend.domain.operations.jobs import register_jobs
from backend.domain.operations.models import FamilyContact, Notification
from backend.domain.operations.visit_watch import watch_visits
from backend.domain.people.models import Carer, Client
from backend.domain.visits.models import Visit, VisitAssignment, VisitEvent
from backend.scheduling.runner import JobScheduler
from shared.enums import VisitEventKind, VisitStatus
from shared.timekeeping import to_london, utc_now
from tests.conftest import make_settings
from tests.operations.conftest import Inbox, minutes
from tests.support.database import Db
from tests.support.servers import free_port

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py

CASE_NOTE = "Mrs X was tearful about her son; bruise on left arm noted"
KEY_SAFE = "key safe 4471 behind the bins"


def _missed_visit(db: Db, index: int = 0) -> Visit:
    """A visit of carer.demo's (provider 1) planned to have ended an hour ago, with a case note and key-safe notes."""
    visit = db.carer_visits("carer.demo")[index]
    now = utc_now()
    db.settle_round(now)
    db.plan(visit.id, now - minutes(120), now - minutes(60))
    carer_id = db.scalars(select(VisitAssignment.carer_id).where(VisitAssignment.visit_id == visit.id))[0]

    async def go() -> None:
        async with db.sessionmaker() as s, s.begin():
            s.add(VisitEvent(provider_id=visit.provider_id, visit_id=visit.id, carer_id=carer_id, kind=VisitEventKind.NOTE,
                             device_time=now, idempotency_key=f"family-test-note-{visit.id}", payload={"text": CASE_NOTE}))
    db.run(go())
    db.execute(update(Client).where(Client.id == visit.client_id).values(access_notes=KEY_SAFE))
    return db.scalars(select(Visit).where(Visit.id == visit.id))[0]


def _contact(db: Db, visit: Visit, address: str, consent: bool, channel: str = "email", name: str = "Sam") -> None:
    db.execute(FamilyContact.__table__.insert().values(  # type: ignore[attr-defined]
        provider_id=visit.provider_id, client_id=visit.client_id, name=name, channel=channel, address=address,
        notify_missed_visits=consent, created_at=utc_now()))


def _client_without_missed_visits(db: Db, visit: Visit) -> Visit:
    """Another visit of provider 1 whose client has nothing the watch could mark missed (no planned visit in its window)."""
    now = utc_now()
    busy = select(Visit.client_id).where(Visit.status == VisitStatus.PLANNED, Visit.planned_start < now,
                                         Visit.planned_start >= now - minutes(26 * 60))
    other = db.scalars(select(Visit).where(Visit.provider_id == visit.provider_id, Visit.client_id != visit.client_id,
                                           Visit.client_id.not_in(busy)).order_by(Visit.id).limit(1))  # type: ignore[attr-defined]
    assert other, "the seed has a client with no visit due in the watch's window"
    return other[0]


def _family_notifications(db: Db) -> list[Notification]:
    return db.scalars(select(Notification).where(Notification.audience == "family").order_by(Notification.id))


def test_opted_in_family_gets_exactly_one_email_and_opted_out_none(db: Db, tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = make_settings(db.url, tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    channels = channels_from_settings(settings)
    visit = _missed_visit(db)
    _contact(db, visit, "daughter@family.example", consent=True, name="Jo")
    _contact(db, visit, "son@family.example", consent=False)
    _contact(db, _client_without_missed_visits(db, visit), "unrelated@family.example", consent=True)

    now = utc_now()
    for _ in range(2):  # the watch runs every minute: the second pass must not queue again
        counts = db.run(watch_visits(db.sessionmaker, settings, now))
        db.run(deliver(db.sessionmaker, channels, now))
    assert db.scalars(select(Visit.status).where(Visit.id == visit.id)) == [VisitStatus.MISSED]
    assert counts.family_notifications == 0
    assert [m.rcpt_tos for m in inbox.messages] == [["daughter@family.example"]]
    assert [(n.state, n.address, n.level) for n in _family_notifications(db)] == [("sent", "daughter@family.example", 0)]

    text = inbox.texts()[0]
    client = db.scalars(select(Client).where(Client.id == visit.client_id))[0]
    planned = to_london(visit.planned_start)
    assert client.name.split()[0] in text and "Hello Jo" in text
    assert f"{planned:%H:%M}" in text and "UK time" in text
    assert "The agency has been told and will contact you." in text
    carer_names = db.scalars(select(Carer.name).join(VisitAssignment, VisitAssignment.carer_id == Carer.id)
                             .where(VisitAssignment.visit_id == visit.id))
    surname = client.name.split()[-1]
    for private in (CASE_NOTE, "bruise", KEY_SAFE, "4471", client.address, client.postcode, surname, *carer_names,
                    f"visit {visit.id}", str(client.lat), str(client.lon)):
        assert private not in text, f"the family message reveals {private!r}"


def test_two_schedulers_racing_send_one_email(db: Db, tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = make_settings(db.url, tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    visit = _missed_visit(db)
    _contact(db, visit, "daughter@family.example", consent=True)

    async def race() -> list[Any]:
        engines = [create_engine(db.url) for _ in range(2)]
        makers = [session_factory(e) for e in engines]
        now = utc_now()
        try:
            watched = await asyncio.gather(*(watch_visits(m, settings, now) for m in makers))
            channels = channels_from_settings(settings)
            await asyncio.gather(*(deliver(m, channels, now) for m in makers))
            return watched
        finally:
            for engine in engines:
                await engine.dispose()

    watched = db.run(race())
    assert sum(c.family_notifications for c in watched) == 1
    assert [m.rcpt_tos for m in inbox.messages] == [["daughter@family.example"]]


def test_the_scheduled_watch_job_delivers_at_once_and_only_once(db: Db, tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = make_settings(db.url, tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    visit = _missed_visit(db)
    _contact(db, visit, "daughter@family.example", consent=True)
    scheduler = JobScheduler(db.sessionmaker)
    register_jobs(scheduler, settings, db.sessionmaker)
    for _ in range(2):
        assert db.run(scheduler.run_job("operations.visit_watch", force=True)) == "ok"
    assert [m.rcpt_tos for m in inbox.messages] == [["daughter@family.example"]]


def test_failed_family_email_is_retried_then_sent_once(db: Db, tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    broken = make_settings(db.url, tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())
    working = make_settings(db.url, tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    visit = _missed_visit(db)
    _contact(db, visit, "daughter@family.example", consent=True)
    now = utc_now()
    db.run(watch_visits(db.sessionmaker, working, now))
    assert db.run(deliver(db.sessionmaker, channels_from_settings(broken), now)).failed == 1
    assert inbox.messages == [] and _family_notifications(db)[0].state == "failed"
    for _ in range(2):
        db.run(deliver(db.sessionmaker, channels_from_settings(working), now))
    assert len(inbox.messages) == 1 and _family_notifications(db)[0].attempts == 2


def test_consent_withdrawn_before_sending_cancels_the_message(db: Db, tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = make_settings(db.url, tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    visit = _missed_visit(db)
    _contact(db, visit, "daughter@family.example", consent=True)
    _contact(db, visit, "son@family.example", consent=True)
    now = utc_now()
    db.run(watch_visits(db.sessionmaker, settings, now))
    db.execute(update(FamilyContact).where(FamilyContact.address == "daughter@family.example")
               .values(notify_missed_visits=False))
    db.execute(FamilyContact.__table__.delete().where(FamilyContact.address == "son@family.example"))  # type: ignore[attr-defined]
    counts = db.run(deliver(db.sessionmaker, channels_from_settings(settings), now))
    assert counts.cancelled == 2 and counts.sent == 0 and inbox.messages == []
    assert {n.state for n in _family_notifications(db)} == {"cancelled"}


def test_family_webhook_payload_carries_nothing_private(db: Db, tmp_path: Path, webhook: tuple[list[tuple[bytes, str]], str]) -> None:
    received, url = webhook
    settings = make_settings(db.url, tmp_path, webhook_allow_private=True)  # the receiver is on this machine
    visit = _missed_visit(db)
    _contact(db, visit, url, consent=True, channel="webhook")  # http only here: the API itself insists on https
    now = utc_now()
    db.run(watch_visits(db.sessionmaker, settings, now))
    db.run(deliver(db.sessionmaker, channels_from_settings(settings), now))
    assert len(received) == 1
    payload = json.loads(received[0][0])
    assert payload["alert"]["kind"] == "missed_visit"
    assert datetime.fromisoformat(payload["alert"]["planned_start"]) == visit.planned_start
    assert set(payload) == {"subject", "body", "level", "alert"}
    assert set(payload["alert"]) == {"kind", "first_name", "planned_start"}, "no ids, alert text or anything else"
    for private in (CASE_NOTE, KEY_SAFE, f"visit {visit.id}"):
        assert private not in received[0][0].decode()


# --- the endpoints -------------------------------------------------------------------------------------


def _client_of(db: Db, provider_id: int) -> int:
    return db.scalars(select(Client.id).where(Client.provider_id == provider_id).order_by(Client.id).limit(1))[0]


def test_supervisor_lists_adds_and_removes_family_contacts(api: TestClient, db: Db, headers_for: Any) -> None:
    client_id = _client_of(db, 1)
    supervisor = headers_for("supervisor.demo")
    url = f"/api/v1/clients/{client_id}/family-contacts"
    added = api.post(url, json={"name": "Jo Bloggs", "channel": "email", "address": "jo@family.example",
                                "notify_missed_visits": True}, headers=supervisor)
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["client_id"], body["notify_missed_visits"], body["channel"]) == (client_id, True, "email")
    defaulted = api.post(url, json={"name": "Sam", "channel": "webhook", "address": "https://family.example/hook"},
                         headers=headers_for("admin.demo"))
    assert defaulted.status_code == 201 and defaulted.json()["notify_missed_visits"] is False, "consent is never assumed"

    listed = api.get(url, headers=supervisor).json()
    assert listed["total"] == 2 and [c["name"] for c in listed["items"]] == ["Jo Bloggs", "Sam"]
    assert api.delete(f"/api/v1/family-contacts/{body['id']}", headers=supervisor).status_code == 204
    assert [c["name"] for c in api.get(url, headers=supervisor).json()["items"]] == ["Sam"]
    assert api.delete(f"/api/v1/family-contacts/{body['id']}", headers=supervisor).status_code == 404

    assert api.get(url, headers=headers_for("carer.demo")).status_code == 403


def test_another_providers_staff_cannot_reach_family_contacts(api: TestClient, db: Db, headers_for: Any) -> None:
    client_id = _client_of(db, 1)
    url = f"/api/v1/clients/{client_id}/family-contacts"
    created = api.post(url, json={"name": "Jo", "channel": "email", "address": "jo@family.example",
                                  "notify_missed_visits": True}, headers=headers_for("supervisor.demo")).json()
    for username in ("supervisor.p002", "admin.p002"):
        foreign = headers_for(username)
        assert api.get(url, headers=foreign).status_code in (403, 404)
        attempt = api.post(url, json={"name": "Mallory", "channel": "email", "address": "m@evil.example",
                                      "notify_missed_visits": True}, headers=foreign)
        assert attempt.status_code in (403, 404)
        assert attempt.headers["content-type"].startswith("application/problem+json")
        assert api.delete(f"/api/v1/family-contacts/{created['id']}", headers=foreign).status_code in (403, 404)
    assert db.scalars(select(FamilyContact.name).where(FamilyContact.client_id == client_id)) == ["Jo"]


@pytest.mark.parametrize("channel, address", [
    ("email", "not-an-address"),
    ("email", "https://family.example/hook"),
    ("webhook", "http://family.example/hook"),  # plain http would carry personal news unencrypted
    ("webhook", "jo@family.example"),
    ("email", "jo@family.example\r\nBcc: all@evil.example"),
])
def test_bad_address_is_a_400_naming_the_field(api: TestClient, db: Db, headers_for: Any, channel: str, address: str) -> None:
    client_id = _client_of(db, 1)
    response = api.post(f"/api/v1/clients/{client_id}/family-contacts",
                        json={"name": "Jo", "channel": channel, "address": address}, headers=headers_for("supervisor.demo"))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "address" in response.json()["detail"]
    assert db.scalars(select(FamilyContact.id)) == []


def test_family_contact_repository_sees_only_its_providers_rows(db: Db) -> None:
    """The demo seed has no family contacts, so the generic tenancy test skips this table; this covers it."""
    from backend.database.tenancy import OutOfScopeError, TenantScope
    from backend.domain.operations.repositories import FamilyContactRepository

    mine, theirs = _client_of(db, 1), _client_of(db, 2)
    for provider_id, client_id in ((1, mine), (2, theirs)):
        db.execute(FamilyContact.__table__.insert().values(  # type: ignore[attr-defined]
            provider_id=provider_id, client_id=client_id, name=f"p{provider_id}", channel="email",
            address=f"f@p{provider_id}.example", notify_missed_visits=True, created_at=utc_now()))

    async def go() -> None:
        async with db.sessionmaker() as s:
            repo = FamilyContactRepository(s, TenantScope.single(1))
            rows = await repo.list()
            assert [r.provider_id for r in rows] == [1] and await repo.count() == 1
            foreign = (await FamilyContactRepository(s, TenantScope.single(2)).list())[0]
            assert await repo.get(foreign.id or 0) is None
            with pytest.raises(OutOfScopeError):
                await repo.add(FamilyContact(provider_id=2, client_id=theirs, name="x", channel="email", address="x@y.z"))
    db.run(go())
