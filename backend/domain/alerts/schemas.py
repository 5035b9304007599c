"""Response shapes of the alerts area."""

from __future__ import annotations

from typing import Any

from backend.domain.alerts.models import Alert


def alert_summary(alert: Alert) -> dict[str, Any]:
    """An alert as the board and the alert list show it."""
    return {
        "id": alert.id, "kind": str(alert.kind), "severity": str(alert.severity), "state": str(alert.state),
        "message": alert.message, "created_at": alert.created_at, "client_id": alert.client_id,
        "visit_id": alert.visit_id, "escalation_level": alert.escalation_level,
    }
