"""Helpers for driving the carer API in tests: bodies, keys and direct database look-ups."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from backend.database.engine import create_engine, session_factory
from backend.domain.accounts.models import User
from backend.domain.people.models import Carer
from backend.domain.visits.models import Visit, VisitAssignment, VisitEvent
from shared.timekeeping import LONDON


def now_iso(offset_minutes: float = 0) -> str:
    """Device time a little before or after now, as the phone sends it."""
    return (datetime.now(timezone.utc) + timedelta(minutes=offset_minutes)).isoformat()


def key() -> str:
    """A fresh idempotency key."""
    return str(uuid.uuid4())


def gps_at(visit: dict[str, Any], north_m: float = 20, accuracy_m: float = 15) -> dict[str, Any]:
    """A GPS body ``north_m`` metres north of the visit's home."""
    location = visit["client"]["location"]
    return {"method": "gps", "location": {"lat": location["lat"] + north_m / 111_195, "lon": location["lon"], "accuracy_m": accuracy_m}}


def all_given(visit: dict[str, Any]) -> dict[str, Any]:
    """Outcomes for every task and medication on the visit."""
    return {
        "task_outcomes": [{"task_id": t["id"], "outcome": "done"} for t in visit["tasks"]],
        "medication_outcomes": [{"medication_id": m["id"], "outcome": "given"} for m in visit["medications"]],
    }


def post(api: TestClient, path: str, headers: dict[str, str], body: dict[str, Any], idem: str | None = None):
    """POST with an idempotency key (fresh unless given)."""
    return api.post(path, json=body, headers={**headers, "Idempotency-Key": idem or key()})


def todays_rota(api: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The signed-in carer's visits today."""
    response = api.get("/api/v1/me/visits", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def query(url: str, statement: Any) -> list[Any]:
    """Run one read statement against a test database."""

    async def run() -> list[Any]:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                return list((await session.execute(statement)).all())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def events_with_keys(url: str, keys: list[str]) -> list[tuple[str, str]]:
    """(idempotency key, kind) of every stored event with one of ``keys``."""
    return [(k, str(kind)) for k, kind in query(url, select(VisitEvent.idempotency_key, VisitEvent.kind)
                                                .where(VisitEvent.idempotency_key.in_(keys)))]


def double_handed_today(url: str, provider_id: int = 1) -> tuple[int, list[str]]:
    """A double-handed visit of the provider today and the usernames of its two carers."""
    today = datetime.now(timezone.utc).astimezone(LONDON).date()
    rows = query(url, select(Visit.id, User.username)
                 .join(VisitAssignment, VisitAssignment.visit_id == Visit.id)
                 .join(Carer, Carer.id == VisitAssignment.carer_id).join(User, User.id == Carer.user_id)
                 .where(Visit.visit_date == today, Visit.carers_needed == 2, Visit.provider_id == provider_id)
                 .order_by(Visit.id))
    by_visit: dict[int, list[str]] = {}
    for visit_id, username in rows:
        by_visit.setdefault(visit_id, []).append(username)
    visit_id, usernames = next((v, u) for v, u in by_visit.items() if len(u) == 2)
    return visit_id, usernames


def visit_not_assigned_to(url: str, username: str, provider_id: int) -> int:
    """A visit today of ``provider_id`` that the user is not assigned to."""
    today = datetime.now(timezone.utc).astimezone(LONDON).date()
    mine = select(VisitAssignment.visit_id).join(Carer, Carer.id == VisitAssignment.carer_id).join(
        User, User.id == Carer.user_id).where(User.username == username)
    rows = query(url, select(Visit.id).where(Visit.provider_id == provider_id, Visit.visit_date == today,
                                             Visit.id.not_in(mine)).limit(1))
    return rows[0][0]
