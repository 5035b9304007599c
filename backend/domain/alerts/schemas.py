"""Response shapes of the alerts area."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from backend.domain.alerts.models import Alert
from shared.enums import AlertKind, AlertSeverity, AlertState


class AlertOut(TypedDict):
    """An alert as the board and the alert list show it; ``message`` is written for a coordinator."""

    id: int
    kind: AlertKind
    severity: AlertSeverity
    state: AlertState
    message: str
    created_at: datetime
    client_id: int | None
    visit_id: int | None
    escalation_level: int


def alert_summary(alert: Alert) -> AlertOut:
    """An alert as the board and the alert list show it."""
    return {
        "id": alert.id or 0, "kind": alert.kind, "severity": alert.severity, "state": alert.state,
        "message": alert.message, "created_at": alert.created_at, "client_id": alert.client_id,
        "visit_id": alert.visit_id, "escalation_level": alert.escalation_level,
    }
