"""Rostering through the API: queue a solve, watch it, read the rota, publish it, re-roster a sick day."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from backend.domain.audit.models import AuditLog
from backend.domain.people.models import Carer
from backend.domain.rostering.inputs import today_in_london
from backend.domain.rostering.models import RosterJob
from backend.domain.visits.models import Visit, VisitAssignment
from shared.enums import VisitStatus
from shared.timekeeping import london_to_utc, utc_now
from tests.conftest import sign_in
from tests.rostering.conftest import wait_for
from tests.rostering.rota_checks import check_rota, day_rows

# Compile time is not solve time: a clock replay runs these solves first, and compiling the kernels inside a
# job (about a minute on a slow machine) outlasted wait_for's 90 s.
pytestmark = pytest.mark.usefixtures("compiled")


def _today() -> date:
    return today_in_london(utc_now())


def test_solve_then_publish_shows_the_rota_to_carers(api: TestClient, supervisor: dict[str, str], run_db: Any) -> None:
    day = _today()
    created = api.post("/api/v1/rosters", json={"date": day.isoformat(), "time_limit_s": 2}, headers=supervisor)
    assert created.status_code == 202, created.text
    roster_id = created.json()["id"]
    assert created.json()["status"] in ("queued", "running")
    assert created.headers["location"] == f"/api/v1/rosters/{roster_id}"

    # The solver runs in another process: the API keeps answering while it works (how fast is bench/'s business).
    for _ in range(5):
        assert api.get("/health").status_code == 200
        time.sleep(0.1)

    body = wait_for(api, supervisor, roster_id)
    assert body["status"] == "done", body["error"]
    assert body["progress"] == 1.0
    assert 0 < body["first_valid_s"] <= body["solve_seconds"], "when the job's first valid rota came is kept"
    assert set(body["objective"]) >= {"travel_minutes", "total_tardiness", "max_tardiness", "overtime_minutes",
                                     "unfamiliar_visits", "unassigned_visits", "total"}
    assert body["runs"] and all({"travel_minutes", "idle_minutes", "visits", "carer_id"} <= set(r) for r in body["runs"])
    visits, carers = run_db(lambda s: day_rows(s, 1, day))
    result_day = run_db(lambda s: _result_day(s, roster_id))
    check_rota(result_day, visits, carers)
    assert body["days_summary"][0]["visits"] == len(visits)
    current = body["days_summary"][0]["current_rota"]  # the seeded rota measured the same way, for comparison
    assert current["carers_used"] > 0 and current["travel_minutes"] > 0

    published = api.post(f"/api/v1/rosters/{roster_id}/publish", headers=supervisor)
    assert published.status_code == 200, published.text
    diff = published.json()["diff"]
    assert diff["summary"]["visits_considered"] == len(result_day["assignments"])
    assert diff["summary"]["changed"] == len(diff["changes"]) > 0
    assert all(c["before"] != c["after"] for c in diff["changes"])

    # The database now holds exactly the solved assignments, and carers see them in their rota.
    held = run_db(lambda s: _assignments(s, [int(v) for v in result_day["assignments"]]))
    assert held == {int(v): sorted(c) for v, c in result_day["assignments"].items()}
    demo_carer = run_db(lambda s: _carer_id_of(s, "carer.demo"))
    carer_headers = sign_in(api, "carer.demo")
    mine = api.get("/api/v1/me/visits", params={"date": day.isoformat()}, headers=carer_headers).json()
    mine_ids = {v["id"] for v in (mine["items"] if isinstance(mine, dict) else mine)}
    expected = {int(v) for v, c in result_day["assignments"].items() if demo_carer in c}
    assert mine_ids == expected

    again = api.post(f"/api/v1/rosters/{roster_id}/publish", headers=supervisor)
    assert again.status_code == 409
    audit = run_db(lambda s: _audit(s, roster_id))
    assert {"roster.requested", "roster.published"} <= {a.action for a in audit}
    assert next(a for a in audit if a.action == "roster.published").detail["summary"] == diff["summary"]


@pytest.mark.clock_sensitive  # "now" splits the day into started and still-to-do visits
def test_reroster_keeps_started_visits_and_gives_nothing_to_the_sick_carer(
    api: TestClient, supervisor: dict[str, str], run_db: Any
) -> None:
    day = _today()
    noon = london_to_utc(day, 12 * 60)
    started_id, started_carers, sick = run_db(lambda s: _start_morning_visit_and_pick_sick_carer(s, day, noon))
    created = api.post("/api/v1/rosters", headers=supervisor, json={
        "date": day.isoformat(), "time_limit_s": 2, "reroster": True,
        "unavailable_carer_ids": [sick], "now": noon.isoformat(),
    })
    assert created.status_code == 202, created.text
    body = wait_for(api, supervisor, created.json()["id"])
    assert body["status"] == "done", body["error"]
    result_day = run_db(lambda s: _result_day(s, body["id"]))
    assert started_id in result_day["started_visits"]
    fixed = [(r["carer_id"], s) for r in body["runs"] for s in r["visits"] if s["fixed"]]
    assert sorted(c for c, s in fixed if s["visit_id"] == started_id) == sorted(started_carers)
    for run in body["runs"]:
        for stop in run["visits"]:
            if not stop["fixed"]:
                assert run["carer_id"] != sick
                assert stop["start"] >= noon.isoformat().replace("+00:00", "Z"), (stop["visit_id"], run["carer_id"], started_id, started_carers, [r["carer_id"] for r in body["runs"] if any(x["visit_id"] == stop["visit_id"] for x in r["visits"])])
    visits, carers = run_db(lambda s: day_rows(s, 1, day))
    check_rota(result_day, visits, carers)

    assert api.post(f"/api/v1/rosters/{body['id']}/publish", headers=supervisor).status_code == 200
    held = run_db(lambda s: _assignments(s, list(visits)))
    assert sorted(held[started_id]) == sorted(started_carers)
    sick_left = {v for v, c in held.items() if sick in c and v != started_id}
    assert all(visits[v].planned_start < noon for v in sick_left)  # only the morning they worked before going off


def test_rostering_is_for_supervisors_of_the_provider_and_checks_its_input(api: TestClient, supervisor: dict[str, str]) -> None:
    day = _today().isoformat()
    carer = sign_in(api, "carer.demo")
    assert api.post("/api/v1/rosters", json={"date": day}, headers=carer).status_code == 403
    bad = api.post("/api/v1/rosters", json={"date": day, "days": 9}, headers=supervisor)
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert api.post("/api/v1/rosters", json={"date": day, "colour": "red"}, headers=supervisor).status_code == 400
    other_providers_carer = api.post("/api/v1/rosters", json={"date": day, "unavailable_carer_ids": [2]}, headers=supervisor)
    assert other_providers_carer.status_code == 400 and "unavailable_carer_ids" in other_providers_carer.json()["detail"]
    past = (_today() - timedelta(days=1)).isoformat()
    assert api.post("/api/v1/rosters", json={"date": past, "reroster": True}, headers=supervisor).status_code == 400

    key = {"Idempotency-Key": "roster-request-0001"}
    week = {"date": day, "days": 2, "time_limit_s": 1}  # two days, the first day's rota counting for continuity
    first = api.post("/api/v1/rosters", json=week, headers=supervisor | key)
    replay = api.post("/api/v1/rosters", json=week, headers=supervisor | key)
    assert first.status_code == replay.status_code == 202 and first.json()["id"] == replay.json()["id"]
    roster_id = first.json()["id"]
    early = api.post(f"/api/v1/rosters/{roster_id}/publish", headers=supervisor)
    assert early.status_code in (409, 200)  # 409 unless the one-second solve already finished
    admin_p2 = sign_in(api, "admin.p002")
    assert api.get(f"/api/v1/rosters/{roster_id}", headers=admin_p2).status_code == 404
    assert api.post(f"/api/v1/rosters/{roster_id}/publish", headers=admin_p2).status_code == 404
    listed = api.get("/api/v1/rosters", params={"date": day}, headers=supervisor).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == roster_id
    assert api.get("/api/v1/rosters", headers=admin_p2).json()["total"] == 0
    done = wait_for(api, supervisor, roster_id)
    assert done["status"] == "done", done["error"]
    assert [d["date"] for d in done["days_summary"]] == [day, (_today() + timedelta(days=1)).isoformat()]
    assert {r["date"] for r in done["runs"]} == {d["date"] for d in done["days_summary"]}


# --------------------------------------------------------------------------- database helpers
async def _result_day(session: Any, roster_id: int) -> dict[str, Any]:
    job = await session.get(RosterJob, roster_id)
    return job.result["days"][0]


async def _assignments(session: Any, visit_ids: list[int]) -> dict[int, list[int]]:
    rows = (await session.execute(select(VisitAssignment).where(VisitAssignment.visit_id.in_(visit_ids)))).scalars().all()
    held: dict[int, list[int]] = {v: [] for v in visit_ids}
    for row in rows:
        held[row.visit_id].append(row.carer_id)
    return {v: sorted(c) for v, c in held.items()}


async def _carer_id_of(session: Any, username: str) -> int:
    from backend.domain.accounts.models import User

    user = (await session.execute(select(User).where(User.username == username))).scalar_one()
    return (await session.execute(select(Carer.id).where(Carer.user_id == user.id))).scalar_one()


async def _audit(session: Any, roster_id: int) -> list[AuditLog]:
    statement = select(AuditLog).where(AuditLog.entity == "roster", AuditLog.entity_id == str(roster_id))
    return list((await session.execute(statement)).scalars().all())


async def _start_morning_visit_and_pick_sick_carer(session: Any, day: Any, noon: Any) -> tuple[int, list[int], int]:
    """Mark the first visit of the day in progress; the sick carer is one with afternoon visits."""
    visits = (await session.execute(
        select(Visit).where(Visit.provider_id == 1, Visit.visit_date == day).order_by(Visit.planned_start, Visit.id)
    )).scalars().all()
    first = visits[0]
    first.status = VisitStatus.IN_PROGRESS
    rows = (await session.execute(select(VisitAssignment).where(VisitAssignment.visit_id.in_([v.id for v in visits])))).scalars().all()
    carers_of: dict[int, list[int]] = {}
    for row in rows:
        carers_of.setdefault(row.visit_id, []).append(row.carer_id)
    afternoon = [v for v in visits if v.planned_start > noon + timedelta(hours=1)]
    sick = next(c for v in afternoon for c in carers_of.get(v.id, []) if c not in carers_of[first.id])
    return first.id, sorted(carers_of[first.id]), sick
