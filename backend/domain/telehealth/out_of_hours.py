"""Out of hours, a red reading pages the hub's on-call clinician, or follows the hub's documented fallback.

The hub's day is ``DOMICARE_HUB_DAY_START`` to ``DOMICARE_HUB_DAY_END`` (UK time, Monday to Friday);
outside it the job looks at every open enrolment's need. For a person who is red, each on-call
clinician with a phone gets a text page; when nobody is on call, the person themselves is texted the
hub's fallback advice (for example "call NHS 111, or 999 in an emergency"). Each red episode (the
person's newest reading) pages once, whichever process runs the job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.domain.telehealth.models import SmsMessage
from backend.domain.telehealth.readings import deliver
from backend.domain.telehealth.repositories import ClinicianRepository, EnrolmentRepository, HubRecords
from backend.domain.telehealth.services import needs_of
from backend.domain.telehealth.sms import SmsGateway
from shared.enums import Rag
from shared.timekeeping import to_london


def out_of_hours(settings: Settings, now: datetime) -> bool:
    """Whether the hub is closed at ``now``: weekends, and weekdays outside its day."""
    local = to_london(now)
    return local.weekday() >= 5 or not settings.hub_day_start <= local.hour < settings.hub_day_end


async def _pages(session: AsyncSession, now: datetime) -> list[SmsMessage]:
    """The texts due now: a page to each on-call clinician per red person, or the fallback to the person."""
    due: list[SmsMessage] = []
    enrolments = await EnrolmentRepository(session, None).open()
    for hub_id in sorted({e.hub_id for e in enrolments}):
        mine = [e for e in enrolments if e.hub_id == hub_id]
        reds = [entry for entry in await needs_of(session, hub_id, mine, now) if entry.need.rag == Rag.RED]
        if not reds:
            continue
        on_call = [c for c in await ClinicianRepository(session, hub_id).on_call() if c.phone]
        hub = await HubRecords(session).get(hub_id)
        for entry in reds:
            episode = (entry.need.last_reading_at or now).isoformat()
            key = f"ooh:{entry.enrolment.id}:{episode}"
            if on_call:
                due += [SmsMessage(hub_id=hub_id, enrolment_id=entry.enrolment.id, direction="out", purpose="page",
                                   phone=clinician.phone, dedupe_key=f"{key}:{clinician.id}", at=now,
                                   body=f"Telehealth RED out of hours: {entry.name} ({entry.enrolment.condition}): "
                                        f"{entry.need.reasons[0]}. Please review the caseload.")
                        for clinician in on_call]
            elif entry.enrolment.phone and hub is not None and hub.out_of_hours_fallback:
                due.append(SmsMessage(hub_id=hub_id, enrolment_id=entry.enrolment.id, direction="out",
                                      purpose="fallback", phone=entry.enrolment.phone, dedupe_key=f"{key}:fallback",
                                      at=now, body=f"Your reading is outside your safe range and the telehealth team "
                                                   f"is closed. {hub.out_of_hours_fallback}"))
    return due


async def page_red_readings(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, gateway: SmsGateway,
                            now: datetime) -> dict[str, Any]:
    """Out of hours, page for every red person not yet paged for their newest reading; returns what was done."""
    if not out_of_hours(settings, now):
        return {"paged": 0, "fallbacks": 0, "failed": 0, "out_of_hours": False}
    async with sessionmaker() as session:
        due = await _pages(session, now)
    done = await deliver(sessionmaker, gateway, due)
    return {"paged": done["page"], "fallbacks": done["fallback"], "failed": done["failed"], "out_of_hours": True}
