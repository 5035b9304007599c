"""Out of hours, a red reading pages the hub's on-call clinicians in turn, then follows the hub's documented fallback.

The hub's day is ``DOMICARE_HUB_DAY_START`` to ``DOMICARE_HUB_DAY_END`` (UK time, Monday to Friday);
outside it the job looks at every hub's red people. For each red episode (the person's newest reading)
the first clinician on call (by ``on_call_order``) with a phone is texted a page. A page is answered
by a reply text from the paged phone, or by an intervention recorded for the person; if nobody answers
within ``DOMICARE_HUB_PAGE_ESCALATE_MINUTES``, the next clinician on call is paged, and after the last
(or at once when nobody is on call) the person themselves is texted the hub's fallback advice (for
example "call NHS 111, or 999 in an emergency"). Each text of an episode is sent once, whichever
process runs the job.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.domain.telehealth.models import Clinician, Hub, SmsMessage
from backend.domain.telehealth.readings import deliver
from backend.domain.telehealth.repositories import (
    ClinicianRepository,
    EnrolmentRepository,
    HubRecords,
    InterventionRepository,
    SmsMessageRepository,
)
from backend.domain.telehealth.sms import SmsGateway
from backend.domain.telehealth.worklist import CaseloadEntry, worklist
from shared.enums import Rag
from shared.timekeeping import to_london

ACKNOWLEDGE = "Reply to this text when you have it."


def out_of_hours(settings: Settings, now: datetime) -> bool:
    """Whether the hub is closed at ``now``: weekends, and weekdays outside its day."""
    local = to_london(now)
    return local.weekday() >= 5 or not settings.hub_day_start <= local.hour < settings.hub_day_end


async def _answered(session: AsyncSession, entry: CaseloadEntry, sent: Sequence[SmsMessage]) -> bool:
    """Whether a clinician has answered the episode: a page acknowledged, or an intervention since the first text."""
    if any(message.acknowledged_at is not None for message in sent):
        return True
    return await InterventionRepository(session, entry.enrolment.hub_id).any_since(entry.enrolment.id or 0, sent[0].at)


def _next_text(entry: CaseloadEntry, key: str, sent: Sequence[SmsMessage], on_call: Sequence[Clinician], hub: Hub,
               now: datetime) -> SmsMessage | None:
    """The episode's next text: a page to the first on-call clinician not yet paged, else the person's fallback."""
    keys = {message.dedupe_key for message in sent}
    enrolment = entry.enrolment
    for clinician in on_call:
        if f"{key}:{clinician.id}" not in keys:
            return SmsMessage(hub_id=hub.id, enrolment_id=enrolment.id, direction="out", purpose="page",
                              phone=clinician.phone, dedupe_key=f"{key}:{clinician.id}", at=now,
                              body=f"Telehealth RED out of hours: {entry.name} ({enrolment.condition}): "
                                   f"{entry.need.reasons[0]}. Please review the caseload. {ACKNOWLEDGE}")
    if f"{key}:fallback" in keys or not enrolment.phone or not hub.out_of_hours_fallback:
        return None
    return SmsMessage(hub_id=hub.id, enrolment_id=enrolment.id, direction="out", purpose="fallback",
                      phone=enrolment.phone, dedupe_key=f"{key}:fallback", at=now,
                      body=f"Your reading is outside your safe range and the telehealth team is closed. "
                           f"{hub.out_of_hours_fallback}")


async def _pages(session: AsyncSession, settings: Settings, now: datetime) -> list[SmsMessage]:
    """The texts due now: for each red person's episode, its first page, or the next step of an unanswered one."""
    due: list[SmsMessage] = []
    escalate_after = timedelta(minutes=settings.hub_page_escalate_minutes)
    log = SmsMessageRepository(session)
    for hub_id in sorted({e.hub_id for e in await EnrolmentRepository(session, None).open()}):
        reds, _count = await worklist(session, hub_id, now, rag=Rag.RED)
        hub = await HubRecords(session).get(hub_id)
        if not reds or hub is None:
            continue
        on_call = [c for c in await ClinicianRepository(session, hub_id).on_call() if c.phone]
        for entry in reds:
            key = f"ooh:{entry.enrolment.id}:{(entry.need.last_reading_at or now).isoformat()}"
            sent = await log.with_prefix(f"{key}:")
            if sent and (now - sent[-1].at < escalate_after or await _answered(session, entry, sent)):
                continue
            text = _next_text(entry, key, sent, on_call, hub, now)
            if text is not None:
                due.append(text)
    return due


async def page_red_readings(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, gateway: SmsGateway,
                            now: datetime) -> dict[str, Any]:
    """Out of hours, page for every red person not yet paged for their newest reading, and escalate the pages nobody
    answered in time; returns what was done (escalations count as pages, or fallbacks)."""
    if not out_of_hours(settings, now):
        return {"paged": 0, "fallbacks": 0, "failed": 0, "out_of_hours": False}
    async with sessionmaker() as session:
        due = await _pages(session, settings, now)
    done = await deliver(sessionmaker, gateway, due)
    return {"paged": done["page"], "fallbacks": done["fallback"], "failed": done["failed"], "out_of_hours": True}
