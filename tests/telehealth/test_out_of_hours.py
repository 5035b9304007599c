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


def _second_on_call(db: Db) -> str:
    """Put the hub's second clinician on call after the first; their phone."""
    second = db.scalars(select(Clinician).order_by(Clinician.id))[1]
    db.execute(update(Clinician).where(Clinician.id == second.id).values(on_call=True, on_call_order=1,
                                                                          phone="+447700900999"))
    return "+447700900999"


def _texts(db: Db, purpose: str) -> list[SmsMessage]:
    return db.scalars(select(SmsMessage).where(SmsMessage.purpose == purpose).order_by(SmsMessage.id))


def test_an_unanswered_page_escalates_to_the_next_on_call_then_the_fallback(seeded_db_url: str, tmp_path: Path,
                                                                           db: Db) -> None:
    second = _second_on_call(db)
    first = db.scalars(select(Clinician.phone).where(Clinician.on_call.is_(True), Clinician.on_call_order == 0))[0]
    night = _tonight()
    steps = [night, night + timedelta(minutes=10), night + timedelta(minutes=15), night + timedelta(minutes=25),
             night + timedelta(minutes=30), night + timedelta(minutes=50)]
    results = _run(seeded_db_url, tmp_path, steps)
    reds = results[0]["paged"]
    assert reds >= 4 and results[0]["fallbacks"] == 0
    assert [r["paged"] for r in results[1:]] == [0, reds, 0, 0, 0]  # the next clinician after 15 minutes
    pages = _texts(db, "page")
    assert [p.phone for p in pages] == [first] * reds + [second] * reds
    assert all(p.body.endswith("Reply to this text when you have it.") for p in pages)
    # 15 minutes after the last clinician's page, the people with a phone get the hub's fallback advice.
    fallbacks = _texts(db, "fallback")
    assert [r["fallbacks"] for r in results] == [0, 0, 0, 0, len(fallbacks), 0] and fallbacks
    assert {f.enrolment_id for f in fallbacks} <= {p.enrolment_id for p in pages}


def test_a_reply_to_the_page_stops_the_escalation(seeded_db_url: str, sms_api: Any, tmp_path: Path, db: Db) -> None:
    from tests.telehealth.test_texts import _text

    second = _second_on_call(db)
    night = _tonight()
    (first_run,) = _run(seeded_db_url, tmp_path, [night])
    first = _texts(db, "page")[0].phone
    answer = _text(sms_api, first, "ok on it", "SMACK1")
    assert answer.status_code == 200 and f"Thank you, {first_run['paged']} pages acknowledged." in answer.text
    assert all(p.acknowledged_at is not None for p in _texts(db, "page"))
    later = _run(seeded_db_url, tmp_path, [night + timedelta(minutes=20), night + timedelta(minutes=40)])
    assert [r["paged"] + r["fallbacks"] for r in later] == [0, 0]
    assert second not in {p.phone for p in _texts(db, "page")}
    assert _texts(db, "page_reply")[0].reply.startswith("Thank you")
