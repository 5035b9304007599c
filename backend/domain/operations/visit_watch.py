"""The visit watch: late, missed and unverified-end visits raise one alert each, resolved when the visit moves on.

Runs every minute on the scheduler with the system scope (every provider). Each
condition has a dedupe key (``late-visit-{id}``, ``missed-visit-{id}``,
``unverified-end-{id}``), so it raises at most one alert however often the
job runs or however many processes run it. Marking a visit missed is a
conditional update, so a check-in arriving at the same moment wins. In the
same transaction, family contacts of the client who consented are queued one
notification each (see ``family.py``), sent by the delivery pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.alerts.services import raise_alert, resolve
from backend.domain.operations.family import queue_missed_visit_notifications
from backend.domain.visits.models import Visit
from backend.domain.visits.repositories import VisitRepository
from backend.domain.visits.wording import visit_words
from shared.enums import AlertKind, AlertSeverity, VisitStatus

LOOKBACK = timedelta(hours=24)
BATCH = 200
LATENESS_KINDS = (AlertKind.LATE_VISIT, AlertKind.MISSED_VISIT)
SYSTEM = TenantScope.system()  # the watch covers every provider's visits


class WatchCounts(msgspec.Struct):
    """What one pass of the watch did."""

    late: int = 0
    missed: int = 0
    unverified_end: int = 0
    resolved: int = 0
    family_notifications: int = 0


def _dates(now: datetime) -> list:
    first = (now - LOOKBACK - timedelta(days=1)).date()
    return [first + timedelta(days=i) for i in range((now.date() - first).days + 2)]


async def _not_started(session: AsyncSession, now: datetime, tolerance: timedelta) -> list[Visit]:
    return list(await VisitRepository(session, SYSTEM).list(
        Visit.visit_date.in_(_dates(now)),  # type: ignore[attr-defined]
        Visit.status == VisitStatus.PLANNED,
        Visit.planned_start < now - tolerance,
        Visit.planned_start >= now - LOOKBACK,
        order_by=(Visit.planned_start, Visit.id),
    ))


async def _still_open(session: AsyncSession, now: datetime, grace: timedelta) -> list[Visit]:
    return list(await VisitRepository(session, SYSTEM).list(
        Visit.visit_date.in_(_dates(now)),  # type: ignore[attr-defined]
        Visit.status == VisitStatus.IN_PROGRESS,
        Visit.planned_end < now - grace,
        Visit.planned_end >= now - LOOKBACK,
        order_by=(Visit.planned_end, Visit.id),
    ))


async def _flag_not_started(session: AsyncSession, visits: list[Visit], now: datetime, counts: WatchCounts) -> None:
    seen = await AlertRepository(session, SYSTEM).kinds_on_visits([v.id or 0 for v in visits], LATENESS_KINDS)
    words = await visit_words(session, SYSTEM, visits)
    missed: list[tuple[Alert, Visit]] = []
    for visit in visits:
        if now >= visit.planned_end:
            if (visit.id, str(AlertKind.MISSED_VISIT)) in seen or not await VisitRepository(session, SYSTEM).mark_missed(visit.id or 0):
                continue
            alert, created = await raise_alert(
                session, provider_id=visit.provider_id, kind=AlertKind.MISSED_VISIT, severity=AlertSeverity.URGENT,
                message=words[visit.id or 0].missed(now),
                dedupe_key=f"missed-visit-{visit.id}", client_id=visit.client_id, visit_id=visit.id,
                detail={"planned_start": visit.planned_start.isoformat(), "planned_end": visit.planned_end.isoformat()},
            )
            counts.missed += int(created)
            # Only this pass's own missed marks: the conditional update above let exactly one process through.
            missed.append((alert, visit))
        elif (visit.id, str(AlertKind.LATE_VISIT)) not in seen:
            _, created = await raise_alert(
                session, provider_id=visit.provider_id, kind=AlertKind.LATE_VISIT, severity=AlertSeverity.WARNING,
                message=words[visit.id or 0].late(now),
                dedupe_key=f"late-visit-{visit.id}", client_id=visit.client_id, visit_id=visit.id,
                detail={"planned_start": visit.planned_start.isoformat()},
            )
            counts.late += int(created)
    counts.family_notifications += await queue_missed_visit_notifications(session, missed)


async def _flag_unverified_end(session: AsyncSession, visits: list[Visit], now: datetime, counts: WatchCounts) -> None:
    seen = await AlertRepository(session, SYSTEM).kinds_on_visits([v.id or 0 for v in visits], (AlertKind.UNVERIFIED_END,))
    words = await visit_words(session, SYSTEM, visits)
    for visit in visits:
        if (visit.id, str(AlertKind.UNVERIFIED_END)) in seen:
            continue
        _, created = await raise_alert(
            session, provider_id=visit.provider_id, kind=AlertKind.UNVERIFIED_END, severity=AlertSeverity.WARNING,
            message=words[visit.id or 0].unverified_end(now),
            dedupe_key=f"unverified-end-{visit.id}", client_id=visit.client_id, visit_id=visit.id,
            detail={"planned_end": visit.planned_end.isoformat()},
        )
        counts.unverified_end += int(created)


async def _resolve_moved_on(session: AsyncSession, now: datetime, counts: WatchCounts) -> None:
    """Close lateness alerts of visits that have started since, and unverified-end alerts of finished ones."""
    rows = await AlertRepository(session, SYSTEM).unresolved_with_visit_status(
        LATENESS_KINDS + (AlertKind.UNVERIFIED_END,), now - LOOKBACK * 3
    )
    for alert, status in rows:
        started = status in (VisitStatus.IN_PROGRESS, VisitStatus.COMPLETED, VisitStatus.CANCELLED)
        finished = status in (VisitStatus.COMPLETED, VisitStatus.CANCELLED)
        superseded = alert.kind == AlertKind.LATE_VISIT and status == VisitStatus.MISSED
        if (alert.kind == AlertKind.UNVERIFIED_END and finished) or (alert.kind != AlertKind.UNVERIFIED_END and started) or superseded:
            resolve(alert, None)
            counts.resolved += 1


async def watch_visits(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime) -> WatchCounts:
    """One pass over recent visits of every provider, committed in small batches so check-ins never wait long."""
    counts = WatchCounts()
    tolerance = timedelta(minutes=settings.late_tolerance_minutes)
    grace = timedelta(minutes=settings.unverified_end_minutes)
    async with sessionmaker() as session:
        late = await _not_started(session, now, tolerance)
        open_ = await _still_open(session, now, grace)
    for i in range(0, len(late), BATCH):
        async with sessionmaker() as session, session.begin():
            await _flag_not_started(session, late[i : i + BATCH], now, counts)
    for i in range(0, len(open_), BATCH):
        async with sessionmaker() as session, session.begin():
            await _flag_unverified_end(session, open_[i : i + BATCH], now, counts)
    async with sessionmaker() as session, session.begin():
        await _resolve_moved_on(session, now, counts)
    return counts
