"""Readings people take themselves: texted in, typed into a form, and reminded when they are due.

A reading, however it arrives, is stored and triaged by monitoring's ``record_observations`` (the
same alerts as any other reading), so it is on the caseload at once. A text gets a plain reply
saying what was received and what could not be read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import msgspec
from litestar.exceptions import ClientException, PermissionDeniedException
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.monitoring.vitals import readings_since, record_observations
from backend.domain.telehealth.models import Enrolment, SmsMessage
from backend.domain.telehealth.needs import label
from backend.domain.telehealth.repositories import EnrolmentRepository, SmsMessageRepository
from backend.domain.telehealth.sms import GatewayError, SmsGateway, normalise_phone, signature_valid
from sensors.vitals.sms import EXAMPLE, Parsed, parse_sms, reply
from shared.timekeeping import to_london

UNKNOWN_NUMBER = ("This number is not registered with a telehealth hub, so nothing was recorded. "
                  "Please ask your hub to add it.")
REMINDER_HOURS = range(8, 20)
"""Reminders go out between 08:00 and 20:00 UK time only."""


class ReadingsEntered(msgspec.Struct, frozen=True):
    """What a typed-in message recorded, what could not be read, and the reply a text would have had."""

    recorded: int
    problems: list[str]
    reply: str


async def _record(session: AsyncSession, enrolment: Enrolment, parsed: Parsed, key: str) -> None:
    if parsed.readings:
        await record_observations(session, provider_id=enrolment.provider_id, client_id=enrolment.client_id,
                                  device_id=None, readings=parsed.readings, idempotency_key=key)


async def receive_text(session: AsyncSession, settings: Settings, url: str, params: Mapping[str, str],
                       signature: str | None, now: datetime) -> str:
    """Take one inbound text from the gateway's webhook; the reply to send back.

    A text from a number with out-of-hours pages nobody has acknowledged acknowledges them; any other
    is a monitored person's readings. 403 unless the post carries the gateway's signature. A message the gateway delivers twice
    (same message id) is answered with the first reply and stored once.
    """
    if not settings.sms_auth_token:
        raise PermissionDeniedException("inbound texts are refused: DOMICARE_SMS_AUTH_TOKEN is not set")
    if not signature_valid(settings.sms_auth_token, url, params, signature):
        raise PermissionDeniedException("X-Twilio-Signature does not match this request")
    sid, phone, body = params.get("MessageSid") or params.get("SmsSid"), params.get("From", ""), params.get("Body", "")
    if not sid or not phone:
        raise ClientException("a text needs MessageSid and From")
    log = SmsMessageRepository(session)
    first = await log.by_key(f"in:{sid}")
    if first is not None:
        return first.reply
    phone = normalise_phone(phone)
    pages = await log.acknowledge_pages(phone, now)
    if pages:
        # A clinician answering out-of-hours pages: whatever the text says, the pages stop escalating.
        answer = (f"Thank you, {len(pages)} page{'s' if len(pages) > 1 else ''} acknowledged. "
                  f"Please record what you do on the caseload.")
        await log.add(SmsMessage(hub_id=pages[-1].hub_id, direction="in", purpose="page_reply", phone=phone,
                                 body=body[:1600], reply=answer, dedupe_key=f"in:{sid}", at=now, sent=True))
        return answer
    enrolment = await EnrolmentRepository(session, None).open_by_phone(phone)
    answer = UNKNOWN_NUMBER
    if enrolment is not None:
        parsed = parse_sms(body, str(enrolment.client_id), now)
        await _record(session, enrolment, parsed, f"sms:{sid}")
        answer = reply(parsed)
    await log.add(SmsMessage(hub_id=enrolment.hub_id if enrolment else None, enrolment_id=enrolment.id if enrolment else None,
                             direction="in", purpose="reading", phone=phone, body=body[:1600], reply=answer,
                             dedupe_key=f"in:{sid}", at=now, sent=True))
    return answer


async def enter_readings(session: AsyncSession, enrolment: Enrolment, text: str, source: str, now: datetime,
                         idempotency_key: str | None = None) -> ReadingsEntered:
    """Readings typed into a form in the same words as a text ("BP 132/84 P 71"); 400 when none could be read."""
    parsed = parse_sms(text, str(enrolment.client_id), now)
    if not parsed.readings:
        raise ClientException(reply(parsed), extra={"problems": parsed.problems})
    parsed = Parsed([msgspec.structs.replace(r, source=source) for r in parsed.readings], parsed.problems)
    await _record(session, enrolment, parsed, idempotency_key or f"{source}:{enrolment.id}:{now.isoformat()}")
    return ReadingsEntered(len(parsed.readings), parsed.problems, reply(parsed))


def _reminder(enrolment: Enrolment, signs: list[str]) -> str:
    names = " and ".join(label(sign) for sign in signs)
    return (f"Reminder from your telehealth team: please take your {names} reading and text it back "
            f"to this number, like this: {EXAMPLE}.")


async def _due_reminders(session: AsyncSession, now: datetime) -> list[tuple[Enrolment, list[str], str]]:
    """(enrolment, signs overdue, the reminder's key) for each person with a phone and readings overdue."""
    enrolments = [e for e in await EnrolmentRepository(session, None).open() if e.phone]
    scope = TenantScope(frozenset(e.provider_id for e in enrolments))
    readings = await readings_since(session, scope, [e.client_id for e in enrolments], now - timedelta(days=8))
    day = to_london(now).date().isoformat()
    due = []
    for enrolment in enrolments:
        last: dict[str, datetime] = {}
        for sign, _value, at in readings.get(enrolment.client_id, []):
            last[str(sign)] = at
        overdue = sorted(sign for sign, hours in enrolment.schedule.items()
                         if sign not in last or now - last[sign] > timedelta(hours=float(hours)))
        if overdue:
            # One reminder a day while readings stay overdue, whichever process runs the job.
            due.append((enrolment, overdue, f"remind:{enrolment.id}:{day}"))
    return due


async def deliver(sessionmaker: async_sessionmaker[AsyncSession], gateway: SmsGateway,
                  rows: list[SmsMessage]) -> Counter[str]:
    """Log and send each text once: a text whose key is already logged (sent by another run) is skipped.

    Returns how many of each purpose were sent, and ``failed`` for those the gateway refused (kept unsent,
    with the reason, in the log).
    """
    done: Counter[str] = Counter()
    for row in rows:
        async with sessionmaker() as session, session.begin():
            try:
                async with session.begin_nested():
                    await SmsMessageRepository(session).add(row)
            except IntegrityError:
                continue
            try:
                await gateway.send(row.phone, row.body)
                row.sent = True
                done[row.purpose] += 1
            except GatewayError as exc:
                row.error = str(exc)[:300]
                done["failed"] += 1
    return done


async def send_reminders(sessionmaker: async_sessionmaker[AsyncSession], gateway: SmsGateway,
                         now: datetime) -> dict[str, Any]:
    """Text each person whose readings are overdue, once a day, in the daytime; returns what was done."""
    if to_london(now).hour not in REMINDER_HOURS:
        return {"sent": 0, "failed": 0, "quiet_hours": True}
    async with sessionmaker() as session:
        due = await _due_reminders(session, now)
    rows = [SmsMessage(hub_id=enrolment.hub_id, enrolment_id=enrolment.id, direction="out", purpose="reminder",
                       phone=enrolment.phone, body=_reminder(enrolment, signs), dedupe_key=key, at=now)
            for enrolment, signs, key in due]
    done = await deliver(sessionmaker, gateway, rows)
    return {"sent": done["reminder"], "failed": done["failed"], "quiet_hours": False}
