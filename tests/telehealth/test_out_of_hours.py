"""Out of hours, a red reading pages the on-call clinician once, or the person gets the hub's fallback advice."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from backend.database.engine import create_engine, session_factory
from backend.domain.telehealth.models import Clinician, SmsMessage
from backend.domain.telehealth.out_of_hours import out_of_hours, page_red_readings
from backend.domain.telehealth.sms import OutboxGateway
from shared.timekeeping import london_to_utc, to_london, utc_now
from tests.conftest import make_settings
from tests.support.database import Db

pytestmark = pytest.mark.clock_sensitive


def _tonight() -> datetime:
    """23:30 UK time today (or Saturday's if today is a weekend day, which is out of hours all day)."""
    return london_to_utc(to_london(utc_now()).date(), 23 * 60 + 30)


def _run(url: str, tmp_path: Path, moments: list[datetime]) -> list[dict[str, Any]]:
    settings = make_settings(url, tmp_path)

    async def go() -> list[dict[str, Any]]:
        engine = create_engine(url)
        try:
            sessions = session_factory(engine)
            return [await page_red_readings(sessions, settings, OutboxGateway(), moment) for moment in moments]
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_the_hub_day_is_weekdays_eight_to_six(tmp_path: Path) -> None:
    settings = make_settings("sqlite+aiosqlite://", tmp_path)
    monday = datetime(2026, 11, 23).date()
    assert not out_of_hours(settings, london_to_utc(monday, 9 * 60))
    assert out_of_hours(settings, london_to_utc(monday, 18 * 60 + 5))
    assert out_of_hours(settings, london_to_utc(monday, 7 * 60 + 59))
    assert out_of_hours(settings, london_to_utc(monday + timedelta(days=5), 12 * 60))  # Saturday


def test_a_red_person_pages_the_on_call_clinician_once(seeded_db_url: str, tmp_path: Path, db: Db) -> None:
    night = _tonight()
    first, again = _run(seeded_db_url, tmp_path, [night, night + timedelta(minutes=5)])
    assert first["out_of_hours"] and first["paged"] >= 4 and first["fallbacks"] == 0 and again["paged"] == 0
    pages = db.scalars(select(SmsMessage).where(SmsMessage.purpose == "page"))
    phone = db.scalars(select(Clinician.phone).where(Clinician.on_call.is_(True)))[0]
    assert {p.phone for p in pages} == {phone} and all(p.sent for p in pages)
    assert all(p.body.startswith("Telehealth RED out of hours: ") for p in pages)


def test_with_nobody_on_call_the_person_gets_the_hubs_fallback(seeded_db_url: str, tmp_path: Path, db: Db) -> None:
    db.execute(update(Clinician).values(on_call=False))
    (result,) = _run(seeded_db_url, tmp_path, [_tonight()])
    assert result["paged"] == 0 and result["fallbacks"] >= 4
    texts = db.scalars(select(SmsMessage.body).where(SmsMessage.purpose == "fallback"))
    assert all(text.endswith("Out of hours, call NHS 111, or 999 in an emergency.") for text in texts)


def test_in_hours_nobody_is_paged(seeded_db_url: str, tmp_path: Path) -> None:
    monday_morning = london_to_utc(datetime(2026, 11, 23).date(), 10 * 60)
    (result,) = _run(seeded_db_url, tmp_path, [monday_morning])
    assert result == {"paged": 0, "fallbacks": 0, "failed": 0, "out_of_hours": False}
