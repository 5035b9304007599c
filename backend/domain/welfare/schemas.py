"""Shapes of the welfare area on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from backend.domain.welfare.models import WelfareCheck, WelfareCheckStep


class AnswerIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """ "I'm OK", with an optional note (e.g. "spoke to her on the phone, she was asleep")."""

    note: str = msgspec.field(default="")


class StepOut(msgspec.Struct, frozen=True):
    """One timestamped step of a check."""

    step: str
    at: datetime
    actor: str
    detail: dict[str, Any]


class WelfareCheckOut(msgspec.Struct, frozen=True, kw_only=True):
    """A welfare check as the board, the hub and (later) the person's own app show it."""

    id: int
    client_id: int
    detector: str
    explanation: str
    state: str
    found_at: datetime
    raised_at: datetime
    escalate_at: datetime
    answered_at: datetime | None
    answered_by: str | None
    answer_note: str
    escalated_at: datetime | None
    alert_id: int | None
    response_minutes: float | None  # raised to answered: what the target of a welfare service measures
    steps: list[StepOut]


def check_out(check: WelfareCheck, steps: list[WelfareCheckStep]) -> WelfareCheckOut:
    """The public shape of a check and its trail."""
    assert check.id is not None
    response = None
    if check.answered_at is not None:
        response = round((check.answered_at - check.raised_at).total_seconds() / 60, 2)
    return WelfareCheckOut(
        id=check.id, client_id=check.client_id, detector=check.detector, explanation=check.explanation,
        state=str(check.state), found_at=check.found_at, raised_at=check.raised_at, escalate_at=check.escalate_at,
        answered_at=check.answered_at, answered_by=str(check.answered_by) if check.answered_by else None,
        answer_note=check.answer_note, escalated_at=check.escalated_at, alert_id=check.alert_id,
        response_minutes=response,
        steps=[StepOut(s.step, s.at, s.actor, s.detail) for s in steps if s.check_id == check.id])
