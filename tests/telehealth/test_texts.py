"""Readings texted in through a Twilio-style gateway (signed), typed in by the hub, and reminders when overdue."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from backend.database.engine import create_engine, session_factory
from backend.domain.monitoring.models import Observation
from backend.domain.telehealth.models import Enrolment, SmsMessage
from backend.domain.telehealth.readings import send_reminders
from backend.domain.telehealth.sms import OutboxGateway, twilio_signature
from shared.timekeeping import london_to_utc, to_london, utc_now
from tests.conftest import sign_in
from tests.support.database import Db
from tests.telehealth.conftest import SMS_TOKEN

WEBHOOK = "/api/v1/sms/inbound"
URL = "http://testserver.local" + WEBHOOK


def _text(api: TestClient, sender: str, body: str, sid: str, *, token: str = SMS_TOKEN) -> Any:
    form = {"MessageSid": sid, "AccountSid": "AC00000000000000000000000000000000", "From": sender,
            "To": "+447700900999", "Body": body, "NumMedia": "0"}
    headers = {"X-Twilio-Signature": twilio_signature(token, URL, form)}
    return api.post(WEBHOOK, data=form, headers=headers)


def test_the_signature_is_twilios_published_example() -> None:
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675310", "Digits": "1234", "From": "+14158675310",
              "To": "+18005551212"}
    assert twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params) == "GvWf1cFY/Q7PnoempGyD5oXAezc="


def test_a_texted_reading_is_stored_answered_and_on_the_caseload(sms_api: TestClient, db: Db) -> None:
    enrolment = db.scalars(select(Enrolment).where(Enrolment.condition == "heart_failure").order_by(Enrolment.id))[0]
    local = "0" + enrolment.phone[3:]  # as a person might have it saved: 07700 900...
    answer = _text(sms_api, enrolment.phone, "BP 182/95 p 71 wt 82.4 and felt fine", "SM0001")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    assert answer.text.endswith("<Response><Message>Thank you, received: BP 182/95, pulse 71, weight 82.4."
                                "</Message></Response>")
    again = _text(sms_api, enrolment.phone, "BP 182/95 p 71 wt 82.4 and felt fine", "SM0001")  # the gateway retries
    assert again.text == answer.text
    stored = db.scalars(select(Observation.value).where(Observation.client_id == enrolment.client_id,
                                                        Observation.components["source"].as_string() == "sms"))
    assert sorted(stored) == [71.0, 82.4, 95.0, 182.0]
    headers = sign_in(sms_api, "clinician.demo")
    caseload = sms_api.get("/api/v1/hub/caseload", params={"limit": 500}, headers=headers).json()
    mine = next(i for i in caseload["items"] if i["client"]["id"] == enrolment.client_id)
    assert mine["rag"] == "red" and any(r.startswith("systolic BP 182 mmHg above red limit 180") for r in mine["reasons"])
    messages = sms_api.get("/api/v1/hub/messages", params={"phone": local}, headers=headers).json()
    assert messages["total"] == 1 and messages["items"][0]["reply"].startswith("Thank you, received: BP 182/95")


def test_an_unreadable_text_gets_a_clear_reply_and_stores_nothing(sms_api: TestClient, db: Db) -> None:
    enrolment = db.scalars(select(Enrolment).order_by(Enrolment.id))[0]
    before = len(db.scalars(select(Observation.id).where(Observation.client_id == enrolment.client_id)))
    answer = _text(sms_api, enrolment.phone, "sats 940", "SM0002")
    assert "Sorry, sats 940 does not look right; please check it. Nothing was recorded." in answer.text
    assert len(db.scalars(select(Observation.id).where(Observation.client_id == enrolment.client_id))) == before
    stranger = _text(sms_api, "+447700900998", "BP 132/84", "SM0003")
    assert "not registered with a telehealth hub" in stranger.text


def test_a_forged_or_unsigned_text_is_refused(sms_api: TestClient, db: Db, api: TestClient) -> None:
    phone = db.scalars(select(Enrolment.phone).order_by(Enrolment.id))[0]
    assert _text(sms_api, phone, "BP 132/84", "SM0004", token="not-the-token").status_code == 403
    assert sms_api.post(WEBHOOK, data={"MessageSid": "SM0005", "From": phone, "Body": "BP 132/84"}).status_code == 403
    assert _text(api, phone, "BP 132/84", "SM0006").status_code == 403  # no token configured: refused, not open
    assert db.scalars(select(SmsMessage.id).where(SmsMessage.dedupe_key.in_(["in:SM0004", "in:SM0005", "in:SM0006"]))) == []


def test_the_hub_types_in_readings_given_over_the_phone(api: TestClient, headers_for: Any, db: Db) -> None:
    client_id = db.scalars(select(Enrolment.client_id).where(Enrolment.condition == "copd").order_by(Enrolment.id))[0]
    url = f"/api/v1/hub/people/{client_id}/readings"
    headers = headers_for("clinician.demo")
    entered = api.post(url, json={"text": "sats 91 pulse 96"}, headers=headers)
    assert entered.status_code == 201 and entered.json()["recorded"] == 2
    refused = api.post(url, json={"text": "feeling rough"}, headers=headers)
    assert refused.status_code == 400 and "Nothing was recorded" in refused.json()["detail"]


def test_overdue_people_get_one_reminder_a_day_in_the_daytime(seeded_db_url: str, db: Db) -> None:
    today = to_london(utc_now()).date()
    morning, night = london_to_utc(today, 10 * 60), london_to_utc(today, 22 * 60)

    async def go() -> tuple[dict, dict, dict]:
        engine = create_engine(seeded_db_url)
        try:
            sessions = session_factory(engine)
            gateway = OutboxGateway()
            first = await send_reminders(sessions, gateway, morning)
            again = await send_reminders(sessions, gateway, morning + timedelta(minutes=15))
            late = await send_reminders(sessions, gateway, night)
            return first, again, late
        finally:
            await engine.dispose()

    first, again, late = asyncio.run(go())
    assert first["sent"] >= 3 and again["sent"] == 0 and late == {"sent": 0, "failed": 0, "quiet_hours": True}
    reminders = db.scalars(select(SmsMessage).where(SmsMessage.purpose == "reminder"))
    assert len(reminders) == first["sent"] and all(r.sent and r.phone.startswith("+447700900") for r in reminders)
    assert any("please take your" in r.body and "reading" in r.body for r in reminders)
