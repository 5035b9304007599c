"""The finding vitals triage hands to the alert board."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.enums import AlertKind, AlertSeverity


class VitalsAlert(msgspec.Struct, frozen=True, kw_only=True):
    """A vitals breach or a missing reading, explained for the supervisor."""

    client: str
    at: datetime
    rule: str
    severity: AlertSeverity
    explanation: str
    category: AlertKind = AlertKind.VITALS
