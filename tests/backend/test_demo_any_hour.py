"""The demo city seeded at any hour shows a plausible live day, not a wall of missed visits."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from litestar.testing import TestClient

from backend.app import create_app
from backend.database.engine import create_engine, session_factory
from backend.database.migrate import upgrade
from backend.domain.operations.visit_watch import watch_visits
from backend.seeding import seed
from shared.timekeeping import LONDON, utc_now
from tests.backend.conftest import sign_in
from tests.conftest import make_settings

DAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize("clock", ["07:00", "13:00", "22:50", "03:00"])
def test_a_demo_seeded_at_any_hour_has_a_live_day_and_work_for_the_demo_carer(clock: str, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    settings = make_settings(url, tmp_path)
    with time_machine.travel(datetime.combine(DAY, time.fromisoformat(clock), tzinfo=LONDON), tick=True):
        async def seed_and_watch() -> None:
            await upgrade(url)
            engine = create_engine(url)
            await seed(engine, "small", 1, progress=lambda _m: None)
            await watch_visits(session_factory(engine), settings, utc_now())  # the demo's first minute
            await engine.dispose()

        asyncio.run(seed_and_watch())
        now = utc_now()
        today = now.astimezone(LONDON).date()
        with TestClient(create_app(settings)) as api:
            board = api.get("/api/v1/board", params={"limit": 500}, headers=sign_in(api, "supervisor.demo")).json()
            rota = api.get("/api/v1/me/visits", headers=sign_in(api, "carer.demo")).json()

    visits = board["visits"]
    assert board["date"] == today.isoformat() and len(visits) == board["total"] > 30
    over = [v for v in visits if datetime.fromisoformat(v["planned_end"]) <= now - timedelta(minutes=30)]
    ahead = [v for v in visits if datetime.fromisoformat(v["planned_start"]) > now]
    assert all(v["status"] != "planned" for v in over), "a visit long over is still waiting to start"
    assert all(v["status"] == "planned" for v in ahead), "a visit still to come has been worked"
    if len(over) >= 20:  # a realistic mix of what carers did: mostly done, a few missed or unverified
        done = sum(v["state"] == "completed" for v in over)
        assert done / len(over) > 0.8 and any(v["state"] in ("missed", "unverified") for v in over)
    red = [a for a in board["alerts"] if a["kind"] in ("late_visit", "missed_visit")]
    assert len(red) <= max(3, len(visits) // 20), f"the board opens on {len(red)} late or missed visits"

    items = rota["items"] if isinstance(rota, dict) else rota
    to_do = [v for v in items if v["status"] == "planned" and datetime.fromisoformat(v["planned_start"]) >= now]
    assert len(to_do) >= 2, f"carer.demo has {len(to_do)} visits still to do at {clock}"


def test_a_demo_from_an_earlier_day_is_seeded_again_and_one_from_today_is_kept(tmp_path: Path,
                                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from backend.commands import prepare_demo_database

    database = tmp_path / "var" / "domicare.db"

    def seeded_day_and_a_mark(mark: bool = False) -> tuple[date | None, int]:
        """The day the demo was seeded for, and whether a change made since then survived."""
        import sqlite3

        with sqlite3.connect(database) as connection:
            if mark:
                connection.execute("UPDATE client SET name = 'Kept Since Morning' WHERE id = 1")
            kept = connection.execute("SELECT count(*) FROM client WHERE name = 'Kept Since Morning'").fetchone()[0]
            first = connection.execute('SELECT min(created_at) FROM "user"').fetchone()[0]
        return datetime.fromisoformat(first).astimezone(LONDON).date(), kept

    with time_machine.travel(datetime(2026, 11, 25, 9, 0, tzinfo=LONDON), tick=True):
        prepare_demo_database(database)
        assert seeded_day_and_a_mark(mark=True) == (date(2026, 11, 25), 1)
    with time_machine.travel(datetime(2026, 11, 25, 21, 0, tzinfo=LONDON), tick=True):
        prepare_demo_database(database)  # later the same day: the demo and what was done in it stay
        assert seeded_day_and_a_mark() == (date(2026, 11, 25), 1)
        assert "seeding it again" not in capsys.readouterr().out
    with time_machine.travel(datetime(2026, 11, 27, 8, 0, tzinfo=LONDON), tick=True):
        prepare_demo_database(database)
        assert seeded_day_and_a_mark() == (date(2026, 11, 27), 0)
        assert "was seeded on 2026-11-25: seeding it again for today" in capsys.readouterr().out
