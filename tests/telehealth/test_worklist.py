"""The caseload's kept signs: the worklist made from them always equals one recomputed from the raw readings,
whoever writes a reading or changes a programme (the database's triggers queue the person), at any moment
(what depends on the clock is worked out when the worklist is read); on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from backend.domain.monitoring.models import Observation
from backend.domain.monitoring.vitals import code_of
from backend.domain.telehealth.models import CaseloadChange, CaseloadSign, Enrolment
from backend.domain.telehealth.worklist import check, colour_counts, refresh, worklist, worklist_and_counts
from shared.enums import EnrolmentState, Rag
from shared.timekeeping import utc_now
from shared.vitals import VitalSign
from tests.support.database import Db

pytestmark = pytest.mark.clock_sensitive


def _in_session(db: Db, work: Any) -> Any:
    async def go() -> Any:
        async with db.sessionmaker() as session:
            return await work(session)
    return db.run(go())


def _check(db: Db, at: datetime) -> list[str]:
    return _in_session(db, lambda session: check(session, at))  # type: ignore[no-any-return]


def test_the_kept_worklist_equals_a_recomputation_at_any_moment(db: Db) -> None:
    now = utc_now()
    (hub_id,) = set(db.scalars(select(Enrolment.hub_id)))
    for at in (now, now + timedelta(hours=20), now + timedelta(days=3), now + timedelta(days=9)):
        assert _check(db, at) == [], at
        everyone, _total = _in_session(db, lambda session: worklist(session, hub_id, at))  # noqa: B023
        counts = _in_session(db, lambda session: colour_counts(session, hub_id, at))  # noqa: B023
        assert counts == {rag: sum(1 for entry in everyone if entry.need.rag == rag) for rag in Rag}
        # The caseload page's one call: the same reds page and the counts before the colour filter.
        reds, total, both = _in_session(db, lambda session: worklist_and_counts(  # noqa: B023
            session, hub_id, at, rag=Rag.RED, limit=5))  # noqa: B023
        assert both == counts and total == counts[Rag.RED]
        assert [e.enrolment.id for e in reds] == [e.enrolment.id for e in everyone if e.need.rag == Rag.RED][:5]
    assert db.scalars(select(func.count()).select_from(CaseloadChange)) == [0]
    assert db.scalars(select(func.count(func.distinct(CaseloadSign.enrolment_id)))) == [60]


def test_readings_and_programme_changes_written_anywhere_are_queued_and_shown(db: Db) -> None:
    now = utc_now()
    _in_session(db, refresh)
    first, second, third = db.scalars(select(Enrolment).order_by(Enrolment.id))[:3]
    # Straight to the tables, as a device, a sync or seeding would: no telehealth code runs.
    db.execute(Observation.__table__.insert().values(  # type: ignore[attr-defined]
        provider_id=first.provider_id, client_id=first.client_id, code=code_of(VitalSign.SPO2), value=79.0, unit="%",
        effective_at=now - timedelta(minutes=5), components={"sign": "spo2", "source": "device"}))
    db.execute(update(Enrolment).where(Enrolment.id == second.id).values(schedule={"spo2": 1.0, "heart_rate": 1.0}))
    db.execute(update(Enrolment).where(Enrolment.id == third.id).values(state=EnrolmentState.DISCHARGED))
    queued = set(db.scalars(select(CaseloadChange.client_id)))
    assert queued == {first.client_id, second.client_id, third.client_id}
    assert _check(db, now) == []
    reds, total = _in_session(db, lambda session: worklist(session, first.hub_id, now, rag=Rag.RED, limit=100))
    mine = next(entry for entry in reds if entry.enrolment.id == first.id)
    assert mine.need.reasons[0].startswith("SpO2 79% below red limit")
    assert total == len(reds)
    assert db.scalars(select(func.count()).select_from(CaseloadSign).where(CaseloadSign.enrolment_id == third.id)) == [0]
    everyone, total = _in_session(db, lambda session: worklist(session, first.hub_id, now))
    assert total == 59 and third.id not in {entry.enrolment.id for entry in everyone}


def test_the_check_finds_kept_signs_that_differ_from_the_readings(db: Db) -> None:
    now = utc_now()
    assert _check(db, now) == []
    # A change no trigger saw (as if one were missing): the kept signs forget every red reading.
    db.execute(update(CaseloadSign).where(CaseloadSign.reading_rag == "red").values(reading_rag=None, rank=None, weight=0.0))
    differences = _check(db, now)
    assert differences and all(text.startswith("hub ") for text in differences)


def test_the_check_command(seeded_db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from domicare.cli import main

    assert main(["hub", "refresh", "--database-url", seeded_db_url]) == 0
    assert json.loads(capsys.readouterr().out)["people"] == 60
    later = (utc_now() + timedelta(days=2)).isoformat()
    assert main(["hub", "check", "--at", later, "--database-url", seeded_db_url]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["equal"] and checked["differences"] == [] and checked["at"] == later
