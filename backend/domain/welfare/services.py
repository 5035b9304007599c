"""Raising, answering and escalating welfare checks; every change of state is one guarded UPDATE.

Raising is idempotent per finding (the detector's kind and moment), so a redelivered reading
or a second ingest worker never asks twice. Answering and escalating both move a check out
of ``open`` with ``UPDATE ... WHERE state = 'open'``: whichever comes first wins, in any
number of processes, and the other sees it lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.database.tenancy import TenantScope
from backend.domain.alerts.services import raise_alert
from backend.domain.welfare.models import WelfareCheck, WelfareCheckStep
from backend.domain.welfare.repositories import WelfareCheckRepository
from sensors.detectors import DetectorAlert as Finding
from shared.enums import AlertKind, AlertSeverity, WelfareCheckState, WelfareResponder
from shared.timekeeping import as_utc, to_london, utc_now

SYSTEM = TenantScope.system()  # the escalation job watches every provider's checks


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    """Who answered "I'm OK" and how: the person on the home hub, a carer, family, the office."""

    responder: WelfareResponder
    actor: str
    user_id: int | None = None
    note: str = ""


def _step(check: WelfareCheck, step: str, actor: str = "system", at: datetime | None = None,
          **detail: object) -> WelfareCheckStep:
    assert check.id is not None
    return WelfareCheckStep(provider_id=check.provider_id, check_id=check.id, step=step, at=at or utc_now(),
                            actor=actor, detail=dict(detail))


def dedupe_key(client_id: int, finding: Finding) -> str:
    """One check per detector finding: its kind and the minute it fell due."""
    return f"welfare:{client_id}:{finding.kind.value}:{as_utc(finding.at).strftime('%Y-%m-%dT%H:%M')}"


async def raise_check(session: AsyncSession, provider_id: int, client_id: int, finding: Finding,
                      wait: timedelta) -> tuple[WelfareCheck, bool]:
    """The welfare check for a detector's ``check`` finding, opened if new; returns ``(check, created)``.

    The person is prompted on the home hub at once (the hub lists its open checks); the
    check escalates ``wait`` after it was raised unless someone answers first.
    """
    repo = WelfareCheckRepository(session, TenantScope.single(provider_id))
    key = dedupe_key(client_id, finding)
    existing = await repo.by_dedupe_key(provider_id, key)
    if existing is not None:
        return existing, False
    raised = utc_now()
    check = WelfareCheck(provider_id=provider_id, client_id=client_id, detector=finding.kind.value,
                         explanation=finding.explanation[:1000], dedupe_key=key, found_at=as_utc(finding.at),
                         raised_at=raised, escalate_at=raised + wait)
    try:
        async with session.begin_nested():
            session.add(check)
            await session.flush()
            session.add(_step(check, "raised", at=raised, detector=check.detector,
                              wait_minutes=round(wait.total_seconds() / 60, 2)))
            session.add(_step(check, "prompted", actor="home hub", at=raised))
    except IntegrityError:
        # Another worker raised it first: theirs is the one.
        found = await repo.by_dedupe_key(provider_id, key)
        assert found is not None
        return found, False
    return check, True


async def answer(session: AsyncSession, check: WelfareCheck, given: Answer) -> bool:
    """Record "I'm OK"; closes the check if still open. Returns whether this answer closed it.

    An answer after escalation is still recorded as a step (staff see the person answered),
    but the alarm stays with staff to resolve.
    """
    now = utc_now()
    assert check.id is not None
    closed = await WelfareCheckRepository(session, TenantScope.single(check.provider_id)).leave_open(
        check.id, state=WelfareCheckState.ANSWERED, answered_at=now, answered_by=given.responder,
        answered_by_user=given.user_id, answer_note=given.note[:500])
    session.add(_step(check, "answered" if closed else "answered late", actor=given.actor, at=now,
                      responder=given.responder.value, note=given.note[:500]))
    await session.refresh(check)
    return closed


class EscalationCounts(msgspec.Struct, kw_only=True):
    """What one pass of the escalation job did."""

    escalated: int = 0


async def escalate_due(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> EscalationCounts:
    """Turn every check still open past its wait into an urgent alert for staff (once, across workers)."""
    counts = EscalationCounts()
    async with sessionmaker() as session:
        repo = WelfareCheckRepository(session, SYSTEM)
        for check in await repo.open_past(now):
            assert check.id is not None
            if not await repo.leave_open(check.id, state=WelfareCheckState.ESCALATED, escalated_at=now):
                continue  # answered (or escalated elsewhere) in the meantime
            raised = to_london(check.raised_at).strftime("%H:%M")
            alert, _ = await raise_alert(
                session, provider_id=check.provider_id, kind=AlertKind.SENSOR_ANOMALY, severity=AlertSeverity.URGENT,
                message=f"No answer to the welfare check raised at {raised}: {check.explanation}"[:1000],
                client_id=check.client_id, dedupe_key=f"welfare-escalation:{check.id}",
                detail={"welfare_check_id": check.id, "detector": check.detector, "tier": "urgent"})
            await session.flush()
            assert alert.id is not None
            await repo.link_alert(check.id, alert.id)
            session.add(_step(check, "escalated", at=now, alert_id=alert.id))
            counts.escalated += 1
        await session.commit()
    return counts
