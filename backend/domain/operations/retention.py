"""The retention job: data past its period is anonymised or deleted; audit is kept for seven years.

Location verdicts (distance to the home) are nulled after 90 days, sensor events
deleted after 13 months, audit rows after 7 years; sign-in attempt records after a day.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.accounts.repositories import DeviceSessionRepository
from backend.domain.audit.models import AuditLog
from backend.domain.monitoring.models import SensorEvent
from backend.domain.monitoring.repositories import SensorEventRepository
from backend.domain.operations.repositories import AuditLogRepository
from backend.domain.visits.models import VisitEvent
from backend.domain.visits.repositories import VisitEventRepository
from backend.security.models import DeviceSession
from backend.security.repositories import SignInAttemptRepository

SYSTEM = TenantScope.system()  # retention applies to every provider's rows


async def apply_retention(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime) -> dict[str, int]:
    """Apply every retention rule once, each in its own transaction; returns how many rows each touched."""
    day = timedelta(days=1)
    rules: dict[str, Callable[[AsyncSession], Awaitable[int]]] = {
        "location_verdicts_nulled": lambda s: VisitEventRepository(s, SYSTEM).update_where(
            {"distance_m": None},
            VisitEvent.server_time < now - day * settings.retention_location_days, VisitEvent.distance_m.is_not(None),  # type: ignore[union-attr]
        ),
        "sensor_events_deleted": lambda s: SensorEventRepository(s, SYSTEM).delete_where(
            SensorEvent.at < now - day * settings.retention_sensor_days,  # type: ignore[arg-type]
        ),
        "audit_rows_deleted": lambda s: AuditLogRepository(s, SYSTEM).delete_where(
            AuditLog.at < now - day * settings.retention_audit_days,  # type: ignore[arg-type]
        ),
        "signin_attempts_deleted": lambda s: SignInAttemptRepository(s).delete_before(now - day),
        "device_sessions_deleted": lambda s: DeviceSessionRepository(s, SYSTEM).delete_where(
            DeviceSession.expires_at < now - day * 30,  # type: ignore[arg-type]
        ),
    }
    counts: dict[str, int] = {}
    for name, rule in rules.items():
        async with sessionmaker() as session, session.begin():
            counts[name] = await rule(session)
    return counts
