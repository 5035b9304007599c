"""Escalation and delivery: an alert nobody acknowledged goes up a level, and its notifications are sent.

Level 0 is the board (in-app). After ``escalation_minutes`` without acknowledgement
an open alert goes to level 1 (the provider's supervisor contacts), after twice
that to level 2 (the on-call manager). Alarms (SOS, leak, smoke, gas) do not climb:
they page everyone on call at once and repeatedly (see ``paging.py``). Notifications are written first (an
outbox; the unique key stops duplicates across processes), then delivered and
marked; failures are retried a few times. The same delivery sends the family
notifications the visit watch queues for missed visits (see ``family.py``),
with their own privacy-safe wording.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.alerts.schemas import alert_summary
from backend.domain.operations.channels import Channel, ChannelError, Message
from backend.domain.operations.family import FAMILY, family_message
from backend.domain.operations.models import Notification, OnCallContact
from backend.domain.operations.repositories import NotificationRepository, OnCallContactRepository
from shared.enums import AlertKind, AlertSeverity, AlertState
from shared.timekeeping import as_utc, to_london

TOP_LEVEL = 2
LEVEL_NAMES = {1: "supervisor", 2: "on-call manager"}
MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=5)
ESCALATING = (AlertSeverity.WARNING, AlertSeverity.URGENT, AlertSeverity.EMERGENCY)
SYSTEM = TenantScope.system()  # escalation and delivery are jobs over every provider's alerts


class EscalationCounts(msgspec.Struct):
    """What one pass did."""

    escalated: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0


async def _contacts(session: AsyncSession, settings: Settings, provider_id: int, level: int) -> list[tuple[str, str]]:
    contacts = await OnCallContactRepository(session, TenantScope.single(provider_id)).list(
        OnCallContact.level == level, OnCallContact.active == True,  # noqa: E712
    )
    found = [(c.channel, c.address) for c in contacts]
    if level == TOP_LEVEL and settings.oncall_email:
        found.append(("email", settings.oncall_email))
    return [("in_app", "board"), *found]


async def queue_notifications(session: AsyncSession, alert: Alert, level: int, targets: list[tuple[str, str]]) -> int:
    """Outbox rows for one alert at one level (or alarm page round), skipping any already queued; how many were new."""
    queued = 0
    for channel, address in targets:
        try:
            async with session.begin_nested():
                session.add(Notification(provider_id=alert.provider_id, alert_id=alert.id or 0, level=level,
                                         channel=channel, address=address))
            queued += 1
        except IntegrityError:
            continue
    return queued


async def escalate(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
                   counts: EscalationCounts | None = None) -> EscalationCounts:
    """Move every open alert that waited too long up one level and queue its notifications."""
    counts = counts or EscalationCounts()
    step = timedelta(minutes=settings.escalation_minutes)
    async with sessionmaker() as session, session.begin():
        alerts = AlertRepository(session, SYSTEM)
        due = await alerts.list(
            Alert.state == AlertState.OPEN, Alert.escalation_level < TOP_LEVEL,
            Alert.severity.in_(ESCALATING), Alert.kind != AlertKind.ALARM,  # type: ignore[attr-defined]
            Alert.created_at <= now - step,
            order_by=Alert.created_at, limit=1000,
        )
        for alert in due:
            level = alert.escalation_level + 1
            if alert.created_at > now - step * level:
                continue
            moved = await alerts.update_where(
                {"escalation_level": level},
                Alert.id == alert.id, Alert.escalation_level == alert.escalation_level, Alert.state == AlertState.OPEN,
            )
            if moved != 1:
                continue
            alert.escalation_level = level
            counts.escalated += 1
            counts.queued += await queue_notifications(session, alert, level,
                                                       await _contacts(session, settings, alert.provider_id, level))
    return counts


def alarm_message(alert: Alert, round_number: int) -> Message:
    """What an alarm page says: the alarm, since when, and that it waits for an acknowledgement."""
    since = to_london(as_utc(alert.created_at)).strftime("%H:%M")
    again = f" (page {round_number}: still not acknowledged)" if round_number > 1 else ""
    subject = f"[Domicare] ALARM{again}: {alert.message}"
    body = (f"{alert.message}\n\nRaised at {since} (UK time) for client {alert.client_id}. Someone must respond now: "
            f"acknowledge it on the board (alert {alert.id}) when help is on its way, or the pages repeat.\n")
    summary = alert_summary(alert)
    return Message(subject=subject[:300], body=body, level=round_number,
                   alert={k: str(v) if v is not None else None for k, v in summary.items()})


def _message(alert: Alert, level: int) -> Message:
    if alert.kind == AlertKind.ALARM:
        return alarm_message(alert, level)
    who = LEVEL_NAMES.get(level, f"level {level}")
    summary = alert_summary(alert)
    subject = f"[Domicare] {str(alert.severity).upper()} {alert.kind}: not acknowledged, escalated to {who}"
    body = (
        f"{alert.message}\n\nRaised at {alert.created_at.isoformat(timespec='minutes')} and not acknowledged; "
        f"escalated to the {who}.\nAlert {alert.id}, provider {alert.provider_id}, client {alert.client_id}, "
        f"visit {alert.visit_id}.\n"
    )
    return Message(subject=subject, body=body, alert={k: str(v) if v is not None else None for k, v in summary.items()},
                   level=level)


async def _claim(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> list[tuple[Notification, Alert]]:
    async with sessionmaker() as session, session.begin():
        notifications = NotificationRepository(session, SYSTEM)
        rows = await notifications.due_with_alerts(now, now - STALE_CLAIM, MAX_ATTEMPTS, limit=200)
        return [(notification, alert) for notification, alert in rows if await notifications.claim(notification, now)]


async def _mark(sessionmaker: async_sessionmaker[AsyncSession], notification: Notification, **values: Any) -> None:
    async with sessionmaker() as session, session.begin():
        await NotificationRepository(session, SYSTEM).mark(notification.id or 0, **values)


async def deliver(sessionmaker: async_sessionmaker[AsyncSession], channels: dict[str, Channel], now: datetime,
                  counts: EscalationCounts | None = None) -> EscalationCounts:
    """Send every queued notification; failures stay queued for the next pass."""
    counts = counts or EscalationCounts()
    for notification, alert in await _claim(sessionmaker, now):
        if notification.audience == FAMILY:
            # Never the staff wording (it names the visit and the alert's text): the family message is built apart.
            async with sessionmaker() as session:
                message = await family_message(session, notification, alert)
            if message is None:
                # "cancelled" is never claimed again, so a withdrawn consent stays withdrawn.
                await _mark(sessionmaker, notification, state="cancelled",
                            error="family contact removed or no longer consents")
                counts.cancelled += 1
                continue
        else:
            message = _message(alert, notification.level)
        channel = channels.get(notification.channel)
        error = ""
        try:
            if channel is None:
                raise ChannelError(f"unknown channel {notification.channel!r}")
            await channel.send(notification.address, message)
        except ChannelError as exc:
            error = str(exc)[:1000]
        await _mark(sessionmaker, notification, state="failed" if error else "sent", error=error,
                    sent_at=None if error else now)
        if error:
            counts.failed += 1
        else:
            counts.sent += 1
    return counts
