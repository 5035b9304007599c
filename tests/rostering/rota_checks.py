"""An independent check of a roster result against the database rows it was solved from."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from backend.domain.people.models import Carer
from backend.domain.visits.models import Visit
from shared.enums import VisitStatus

EPS = timedelta(seconds=1)


async def day_rows(session: Any, provider_id: int, day: date) -> tuple[dict[int, Visit], dict[int, Carer]]:
    """The provider's visits of the day (cancelled and missed left out) and its carers."""
    visits = (await session.execute(select(Visit).where(Visit.provider_id == provider_id, Visit.visit_date == day))).scalars().all()
    carers = (await session.execute(select(Carer).where(Carer.provider_id == provider_id))).scalars().all()
    kept = {v.id: v for v in visits if v.status not in (VisitStatus.CANCELLED, VisitStatus.MISSED)}
    return kept, {c.id: c for c in carers}


def check_rota(day: dict[str, Any], visits: dict[int, Visit], carers: dict[int, Carer], window_before_minutes: int = 15) -> None:
    """Every visit served by the right number of qualified carers or reported unassigned; runs never overlap."""
    started = set(day["started_visits"])
    unassigned = {u["visit_id"] for u in day["unassigned"]}
    assert all(u["reason"] for u in day["unassigned"])
    served: dict[int, list[int]] = defaultdict(list)
    starts: dict[int, set[str]] = defaultdict(set)
    for run in day["runs"]:
        carer = carers[run["carer_id"]]
        previous_end = None
        assert run["travel_minutes"] >= 0 and run["idle_minutes"] >= 0
        for stop in run["visits"]:
            visit = visits[stop["visit_id"]]
            begin, end = datetime.fromisoformat(stop["start"]), datetime.fromisoformat(stop["end"])
            assert end - begin == visit.planned_end - visit.planned_start
            if previous_end is not None:
                assert begin + EPS >= previous_end, f"carer {carer.id} overlaps at visit {visit.id}"
            previous_end = end
            if stop["fixed"]:
                assert visit.id in started
                continue
            assert set(visit.skills) <= set(carer.skills), f"carer {carer.id} lacks skills for visit {visit.id}"
            assert begin + EPS >= visit.planned_start - timedelta(minutes=window_before_minutes)
            served[visit.id].append(carer.id)
            starts[visit.id].add(stop["start"])
    past = set(day.get("past_visits", []))
    for visit_id, visit in visits.items():
        if visit_id in past:
            assert visit_id not in served and str(visit_id) not in day["assignments"]
            continue
        if visit_id in started:
            assert visit_id not in served
            continue
        if visit_id in unassigned:
            assert visit_id not in served and day["assignments"][str(visit_id)] == []
            continue
        assert len(set(served[visit_id])) == visit.carers_needed, f"visit {visit_id} served by {served[visit_id]}"
        assert sorted(day["assignments"][str(visit_id)]) == sorted(served[visit_id])
        assert len(starts[visit_id]) == 1, f"double-handed visit {visit_id} does not start together"
