"""Derived facts about a visit: is it verified, and what the board should call it now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from backend.domain.visits.models import VisitEvent
from shared.enums import AmendmentState, VisitEventKind, VisitStatus

CHECK_KINDS = (VisitEventKind.CHECK_IN, VisitEventKind.CHECK_OUT)


def event_counts_as_verified(event: VisitEvent) -> bool:
    """Verified electronically, or an unverified check a supervisor approved."""
    return bool(event.verified) or event.review_state == AmendmentState.APPROVED


def visit_verified(events: Iterable[VisitEvent]) -> bool | None:
    """``None`` before any check-in; else whether every check-in/out counts as verified."""
    checks = [e for e in events if e.kind in CHECK_KINDS]
    if not checks:
        return None
    return all(event_counts_as_verified(e) for e in checks)


def board_state(status: str, planned_start: datetime, planned_end: datetime, verified: bool | None, now: datetime,
                tolerance: timedelta) -> str:
    """The live state shown on the supervisor board, from a visit's status, planned times and whether its
    checks count as verified (:func:`visit_verified`)."""
    if status == VisitStatus.CANCELLED:
        return "cancelled"
    if status == VisitStatus.MISSED:
        return "missed"
    if status in (VisitStatus.IN_PROGRESS, VisitStatus.COMPLETED):
        if verified is False:
            return "unverified"
        return "completed" if status == VisitStatus.COMPLETED else "in_progress"
    if now >= planned_end:
        return "missed"
    if now > planned_start + tolerance:
        return "late"
    return "not_started"
