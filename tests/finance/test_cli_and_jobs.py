"""``domicare export`` and the scheduled weekly export (outbox, catch-up, one runner across processes)."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.domain.visits.models import Visit
from domicare.cli import main
from tests.conftest import make_settings, sign_in

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py


def test_export_command(seeded_db_url: str, tmp_path: Path, last_week: date, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "prv002.csv"
    args = ["export", "--week-ending", last_week.isoformat(), "--format", "abacus-csv", "--database-url", seeded_db_url]
    assert main([*args, "--provider", "PRV002", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert summary["file_references"] == [f"LCC-PRV002-{last_week:%Y%m%d}-C001"]
    assert summary["rows"] == len(rows) > 0
    assert summary["claimed_minutes"] == sum(int(r["ClaimedDuration"]) for r in rows)
    assert {r["ProviderRef"] for r in rows} == {"PRV002"}

    assert main([*args, "--provider", "2", "--out", str(out)]) == 0  # by id; a new version
    assert json.loads(capsys.readouterr().out.strip())["file_references"] == [f"LCC-PRV002-{last_week:%Y%m%d}-C002"]

    every = tmp_path / "all.json"
    assert main(["export", "--week-ending", last_week.isoformat(), "--format", "evv-json", "--out", str(every),
                 "--database-url", seeded_db_url]) == 0
    capsys.readouterr()
    document = json.loads(every.read_text())
    assert [b["provider_ref"] for b in document["batches"]] == ["PRV001", "PRV002", "PRV003"]
    assert len(document["visits"]) == document["totals"]["visits"]

    assert main([*args, "--out", str(out), "--week-ending", "2025-01-07"]) == 1
    assert "Sunday" in capsys.readouterr().err
    assert main([*args[:-2], "--database-url", seeded_db_url, "--provider", "NOPE", "--out", str(out)]) == 1
    assert "no provider" in capsys.readouterr().err


def _monday(after: date, hour: int) -> datetime:
    from shared.timekeeping import london_to_utc

    return london_to_utc(after + timedelta(days=1), hour * 60)


def test_due_weeks_wait_for_monday_six_in_london() -> None:
    from backend.domain.finance.jobs import due_weeks

    sunday = date(2025, 3, 30)  # clocks go forward that night: Monday 06:00 BST is 05:00 UTC
    assert _monday(sunday, 6) == datetime(2025, 3, 31, 5, 0, tzinfo=timezone.utc)
    assert due_weeks(_monday(sunday, 6), 1)[0].ending == sunday
    assert due_weeks(_monday(sunday, 6) - timedelta(minutes=1), 1)[0].ending == sunday - timedelta(days=7)
    assert [w.ending for w in due_weeks(_monday(sunday, 7), 3)] == [sunday - timedelta(days=14),
                                                                     sunday - timedelta(days=7), sunday]


def test_weekly_job_writes_the_outbox_once_and_catches_up(seeded_db_url: str, tmp_path: Path, last_week: date) -> None:
    from backend.database.engine import create_engine, session_factory
    from backend.domain.finance.jobs import outbox_dir, run_weekly_exports

    outbox = tmp_path / "elsewhere"
    settings = make_settings(seeded_db_url, tmp_path, export_outbox=outbox)
    assert outbox_dir(settings) == outbox and outbox_dir(make_settings(seeded_db_url, tmp_path)) == tmp_path / "outbox"

    async def go() -> None:
        engine = create_engine(seeded_db_url)
        sessionmaker = session_factory(engine)
        try:
            # Monday 05:00: last week is not due yet, and the weeks before hold no visits
            assert await run_weekly_exports(settings, sessionmaker, now=_monday(last_week, 5)) == []
            # no server ran for two weeks: the start-up run catches up every week since that holds visits
            # (last week, this one, and the next when the city was seeded on a Sunday: it has tomorrow too)
            written = await run_weekly_exports(settings, sessionmaker, now=_monday(last_week, 7) + timedelta(days=14))
            async with sessionmaker() as session:
                last_day = (await session.execute(select(func.max(Visit.visit_date)))).scalar_one()
            weeks = [last_week + timedelta(days=7 * n) for n in range(3) if last_week + timedelta(days=7 * n - 6) <= last_day]
            assert sorted(p.name for p in written) == sorted(
                f"LCC-PRV00{n}-{week:%Y%m%d}-{letter}001.{ext}"
                for week in weeks for n in (1, 2, 3) for letter, ext in (("C", "csv"), ("J", "json"))
            )
            assert all(p.parent == outbox / "LCC" and p.stat().st_size > 0 for p in written)
            assert not list(outbox.rglob("*.partial"))
            # every later run, from any process, finds the week done
            again = await asyncio.gather(*[
                run_weekly_exports(settings, sessionmaker, now=_monday(last_week, 7) + timedelta(days=14)) for _ in range(2)
            ])
            assert again == [[], []]
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_overlapping_runs_keep_one_file_per_provider_week_and_format(seeded_db_url: str, tmp_path: Path,
                                                                     last_week: date) -> None:
    from backend.database.engine import create_engine, session_factory
    from backend.domain.finance.jobs import run_weekly_exports

    settings = make_settings(seeded_db_url, tmp_path)

    async def go() -> list[list[Path]]:
        engine = create_engine(seeded_db_url)
        try:
            sessionmaker = session_factory(engine)
            return await asyncio.gather(*[run_weekly_exports(settings, sessionmaker, now=_monday(last_week, 7))
                                          for _ in range(2)])
        finally:
            await engine.dispose()

    written = [path for run in asyncio.run(go()) for path in run]
    on_disk = sorted(p.name for p in (tmp_path / "outbox").rglob("*") if p.is_file())
    assert sorted(p.name for p in written) == on_disk
    assert sorted(name.split("-")[1] + name[-4:] for name in on_disk) == sorted(
        f"PRV00{n}{ext}" for n in (1, 2, 3) for ext in (".csv", "json")
    )


def test_the_weekly_export_runs_at_six_on_monday_london_and_every_half_hour() -> None:
    from backend.domain.finance.jobs import register_jobs
    from backend.scheduling.runner import JobScheduler
    from shared.timekeeping import LONDON

    scheduler = JobScheduler(object())  # type: ignore[arg-type]
    register_jobs(scheduler, object(), object())  # type: ignore[arg-type]
    assert list(scheduler.jobs) == ["finance.weekly_export"]
    weekly = scheduler.jobs["finance.weekly_export"]
    assert weekly.catch_up
    for before, fire in (
        (datetime(2025, 3, 31, 5, 40, tzinfo=LONDON), datetime(2025, 3, 31, 6, 0, tzinfo=LONDON)),  # BST
        (datetime(2025, 10, 27, 5, 59, tzinfo=LONDON), datetime(2025, 10, 27, 6, 0, tzinfo=LONDON)),  # GMT
        (datetime(2025, 10, 22, 12, 1, tzinfo=LONDON), datetime(2025, 10, 22, 12, 30, tzinfo=LONDON)),
    ):
        assert weekly.trigger.get_next_fire_time(None, before) == fire


def test_a_weekly_export_run_shows_its_progress_on_the_api(api: Any, seeded_db_url: str, tmp_path: Path,
                                                           last_week: date) -> None:
    from backend.database.engine import create_engine, session_factory
    from backend.domain.finance.jobs import run_weekly_exports
    from backend.domain.finance.repositories import ExportRunRepository

    settings = make_settings(seeded_db_url, tmp_path)
    seen: list[tuple[float, str, Any]] = []

    async def go() -> list[Path]:
        engine = create_engine(seeded_db_url)
        sessionmaker = session_factory(engine)

        async def sink(progress: float, stage: str) -> None:  # reads the run's row as the API would, mid-run
            async with sessionmaker() as session:
                rows, _ = await ExportRunRepository(session).newest(1, 0)
            seen.append((progress, stage, rows[0]))

        try:
            return await run_weekly_exports(settings, sessionmaker, now=_monday(last_week, 7), catch_up_weeks=2, sink=sink)
        finally:
            await engine.dispose()

    written = asyncio.run(go())
    # two weeks of the demo city's three providers, in order; the row says what the sink hears
    assert [stage for _, stage, _ in seen] == [f"week ending {week:%Y-%m-%d}: provider {n} of 3"
                                               for week in (last_week - timedelta(days=7), last_week) for n in (1, 2, 3)]
    assert [progress for progress, _, _ in seen] == [n / 6 for n in range(6)]
    assert all(row.status == "running" and row.stage == stage and row.progress == round(progress, 3)
               for progress, stage, row in seen)

    commissioner = sign_in(api, "commissioner.demo")
    runs = api.get("/api/v1/finance/export-runs", headers=commissioner)
    assert runs.status_code == 200, runs.text
    newest = runs.json()["items"][0]
    assert newest["id"] == seen[0][2].id and newest["status"] == "done" and newest["progress"] == 1.0
    assert newest["stage"] == "done" and newest["files"] == len(written) > 0 and newest["finished_at"]
    assert api.get("/api/v1/finance/export-runs", headers=sign_in(api, "admin.demo")).status_code == 403
