"""The retention job: each record type is kept for its period, then deleted (or, for locations, cleared).

One rule per record type, each period a setting (``DOMICARE_RETENTION_*``, in the README), with defaults
from UK guidance for adult social care records:

| record | setting (default) | rule |
|---|---|---|
| case notes, concerns, amendments, vital-sign readings | ``retention_care_record_days`` (2922, 8 years) after the client's care ended (their last visit or reading) | NHS England Records Management Code of Practice 2023, retention schedule: adult social care records, 8 years after care ends |
| alerts (resolved), with their notifications | ``retention_alert_days`` (2922) after resolution | part of the care record (what was raised about the person and who handled it): the same 8 years |
| notifications (messages to staff and families: their addresses) | ``retention_notification_days`` (730) | UK GDPR storage limitation: kept while a delivery may be questioned; the alert keeps who handled it |
| device dead letters | ``retention_dead_letter_days`` (90) | UK GDPR storage limitation: for diagnosing a device, not part of any record |
| sensor events | ``retention_sensor_days`` (396, 13 months) | UK GDPR storage limitation: a year of a home's rhythm for the detectors, plus a month |
| check-in distances to the home | ``retention_location_days`` (90) | UK GDPR data minimisation: the verdict stays, the distance goes once reviews and invoices are done |
| audit log | ``retention_audit_days`` (2922, 8 years) | who read or changed a care record must be answerable for as long as the record is kept (8 years), which also covers the 6 years of financial records (HMRC) |
| sign-in attempts; expired device sessions | ``retention_signin_days`` (1); ``retention_session_days`` (30) | storage limitation: only the lockout window and recent sessions are needed |

A removed family contact's address is redacted from the notification log at once (``family.py``).
Periods count from the record's own time unless the table says otherwise; every rule runs in its own
transaction, across every provider.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.accounts.repositories import DeviceSessionRepository
from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.audit.models import AuditLog
from backend.domain.monitoring.models import DeadLetter, Observation, SensorEvent
from backend.domain.monitoring.repositories import DeadLetterRepository, ObservationRepository, SensorEventRepository
from backend.domain.operations.models import Notification
from backend.domain.operations.repositories import AuditLogRepository, NotificationRepository
from backend.domain.visits.models import VisitEvent
from backend.domain.visits.repositories import AmendmentRepository, VisitEventRepository, VisitRepository
from backend.domain.welfare.repositories import WelfareCheckRepository
from backend.security.models import DeviceSession
from backend.security.repositories import SignInAttemptRepository
from shared.timekeeping import LONDON

SYSTEM = TenantScope.system()  # retention applies to every provider's rows
CHUNK = 500  # ids per statement, so a city's worth never makes one huge IN list


async def apply_retention(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime) -> dict[str, int]:
    """Apply every retention rule once, each in its own transaction; returns how many rows each touched."""
    day = timedelta(days=1)
    rules: dict[str, Callable[[AsyncSession], Awaitable[int]]] = {
        "location_verdicts_nulled": lambda s: VisitEventRepository(s, SYSTEM).update_where(
            {"distance_m": None},
            VisitEvent.server_time < now - day * settings.retention_location_days, VisitEvent.distance_m.is_not(None),  # type: ignore[union-attr]
        ),
        "care_records_deleted": lambda s: _care_records(s, now - day * settings.retention_care_record_days),
        "notifications_deleted": lambda s: NotificationRepository(s, SYSTEM).delete_where(
            Notification.created_at < now - day * settings.retention_notification_days,  # type: ignore[arg-type]
        ),
        "alerts_deleted": lambda s: _resolved_alerts(s, now - day * settings.retention_alert_days),
        "dead_letters_deleted": lambda s: DeadLetterRepository(s, SYSTEM).delete_where(
            DeadLetter.received_at < now - day * settings.retention_dead_letter_days,  # type: ignore[arg-type]
        ),
        "sensor_events_deleted": lambda s: SensorEventRepository(s, SYSTEM).delete_where(
            SensorEvent.at < now - day * settings.retention_sensor_days,  # type: ignore[arg-type]
        ),
        "audit_rows_deleted": lambda s: AuditLogRepository(s, SYSTEM).delete_where(
            AuditLog.at < now - day * settings.retention_audit_days,  # type: ignore[arg-type]
        ),
        "signin_attempts_deleted": lambda s: SignInAttemptRepository(s).delete_before(now - day * settings.retention_signin_days),
        "device_sessions_deleted": lambda s: DeviceSessionRepository(s, SYSTEM).delete_where(
            DeviceSession.expires_at < now - day * settings.retention_session_days,  # type: ignore[arg-type]
        ),
    }
    counts: dict[str, int] = {}
    for name, rule in rules.items():
        async with sessionmaker() as session, session.begin():
            counts[name] = await rule(session)
    return counts


async def _care_records(session: AsyncSession, cutoff: datetime) -> int:
    """Case notes, concerns, amendments and readings of clients whose care ended before ``cutoff``.

    Care ends with the client's last visit or reading, whichever is later: a client still visited (or
    still sending readings) keeps their whole record, however old its first pages are.
    """
    last_seen = {client: datetime.combine(day + timedelta(days=1), time(0), LONDON)
                 for client, day in (await VisitRepository(session, SYSTEM).last_visit_days()).items()}
    for client, at in (await ObservationRepository(session, SYSTEM).last_reading_times()).items():
        last_seen[client] = max(at, last_seen.get(client, at))
    ended = sorted(client for client, at in last_seen.items() if at < cutoff)
    deleted = 0
    for chunk in _chunks(ended):
        deleted += await VisitEventRepository(session, SYSTEM).delete_written_of_clients(chunk)
        deleted += await AmendmentRepository(session, SYSTEM).delete_of_clients(chunk)
        deleted += await ObservationRepository(session, SYSTEM).delete_where(Observation.client_id.in_(chunk))  # type: ignore[attr-defined]
    return deleted


async def _resolved_alerts(session: AsyncSession, cutoff: datetime) -> int:
    """Alerts resolved before ``cutoff``, their notifications first; those a welfare check became stay with it."""
    kept = await WelfareCheckRepository(session, SYSTEM).alert_ids()
    old = [alert_id for alert_id in await AlertRepository(session, SYSTEM).resolved_before(cutoff) if alert_id not in kept]
    deleted = 0
    for chunk in _chunks(old):
        await NotificationRepository(session, SYSTEM).delete_where(Notification.alert_id.in_(chunk))  # type: ignore[attr-defined]
        deleted += await AlertRepository(session, SYSTEM).delete_where(Alert.id.in_(chunk))  # type: ignore[union-attr]
    return deleted


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
