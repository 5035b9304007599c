"""The retention job: data past its period is anonymised or deleted; audit is kept for seven years.

Location verdicts (distance to the home) are nulled after 90 days, sensor events
deleted after 13 months, audit rows after 7 years; sign-in attempt records after a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.security.models import DeviceSession, SignInAttempt
from backend.domain.audit.models import AuditLog
from backend.domain.monitoring.models import SensorEvent
from backend.domain.visits.models import VisitEvent


async def apply_retention(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime) -> dict[str, int]:
    """Apply every retention rule once; returns how many rows each touched."""
    days = timedelta(days=1)
    statements = {
        "location_verdicts_nulled": update(VisitEvent)
        .where(VisitEvent.server_time < now - days * settings.retention_location_days, VisitEvent.distance_m.is_not(None))  # type: ignore[union-attr]
        .values(distance_m=None),
        "sensor_events_deleted": delete(SensorEvent).where(SensorEvent.at < now - days * settings.retention_sensor_days),  # type: ignore[arg-type]
        "audit_rows_deleted": delete(AuditLog).where(AuditLog.at < now - days * settings.retention_audit_days),  # type: ignore[arg-type]
        "signin_attempts_deleted": delete(SignInAttempt).where(SignInAttempt.at < now - days),  # type: ignore[arg-type]
        "device_sessions_deleted": delete(DeviceSession).where(DeviceSession.expires_at < now - days * 30),  # type: ignore[arg-type]
    }
    counts: dict[str, int] = {}
    for name, statement in statements.items():
        async with sessionmaker() as session, session.begin():
            result = await session.execute(statement.execution_options(synchronize_session=False))
            counts[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return counts
