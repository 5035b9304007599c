"""Alarm paging: an SOS, leak, smoke, gas or carbon-monoxide alarm pages people at once, and again until acknowledged.

Ordinary alerts climb the escalation levels one ``escalation_minutes`` step at a time;
an alarm cannot wait. The moment it is raised, every active on-call contact of the
provider (levels 1 and 2 together) and the deployment's on-call address are paged, day
and night; while nobody acknowledges it, they are paged again every ``alarm_repage_minutes``.
``Alert.escalation_level`` counts the rounds sent, and each round's notifications share
the outbox (and its unique key) with escalation, so a round is sent once across processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.operations.channels import Channel, channels_from_settings
from backend.domain.operations.escalation import EscalationCounts, deliver, queue_notifications
from backend.domain.operations.models import OnCallContact
from backend.domain.operations.repositories import OnCallContactRepository
from shared.enums import AlertKind, AlertState
from shared.timekeeping import as_utc


def repage_every(settings: Settings) -> timedelta:
    """How long an unacknowledged alarm waits before its contacts are paged again."""
    return timedelta(minutes=settings.alarm_repage_minutes)


async def _everyone_on_call(session: AsyncSession, settings: Settings, provider_id: int) -> list[tuple[str, str]]:
    contacts = await OnCallContactRepository(session, TenantScope.single(provider_id)).list(
        OnCallContact.active == True, order_by=OnCallContact.id)  # noqa: E712
    targets = list(dict.fromkeys([("in_app", "board"), *((c.channel, c.address) for c in contacts)]))
    if settings.oncall_email and ("email", settings.oncall_email) not in targets:
        targets.append(("email", settings.oncall_email))
    return targets


async def queue_alarm_pages(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
                            alert_ids: Sequence[int] | None = None,
                            counts: EscalationCounts | None = None) -> EscalationCounts:
    """Queue the next round for every open alarm whose round is due (only ``alert_ids`` when given)."""
    counts = counts or EscalationCounts()
    every = repage_every(settings)
    async with sessionmaker() as session, session.begin():
        alerts = AlertRepository(session, TenantScope.system())  # a job over every provider's alarms
        filters = [Alert.kind == AlertKind.ALARM, Alert.state == AlertState.OPEN]
        if alert_ids is not None:
            filters.append(Alert.id.in_(list(alert_ids)))  # type: ignore[union-attr]
        for alert in await alerts.list(*filters, order_by=Alert.created_at, limit=1000):
            if as_utc(alert.created_at) > now - every * alert.escalation_level:
                continue
            round_number = alert.escalation_level + 1
            moved = await alerts.update_where(
                {"escalation_level": round_number},
                Alert.id == alert.id, Alert.escalation_level == alert.escalation_level, Alert.state == AlertState.OPEN)
            if moved != 1:
                continue  # another process sent this round
            alert.escalation_level = round_number
            counts.escalated += 1
            counts.queued += await queue_notifications(session, alert, round_number,
                                                       await _everyone_on_call(session, settings, alert.provider_id))
    return counts


async def page_alarms(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, alert_ids: Sequence[int],
                      now: datetime, channels: dict[str, Channel] | None = None) -> EscalationCounts:
    """Page the first round of newly raised alarms and deliver it now, not at the next escalation pass."""
    counts = await queue_alarm_pages(sessionmaker, settings, now, alert_ids)
    if counts.queued:
        await deliver(sessionmaker, channels or channels_from_settings(settings), now, counts)
    return counts
