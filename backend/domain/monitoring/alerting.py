"""Turning sensor, device and vitals findings into alerts on the supervisor board.

Every alert goes through ``raise_alert`` with a dedupe key naming the condition
and its occurrence, so a redelivered message or a second worker never doubles one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.alerts.models import Alert
from backend.domain.alerts.services import raise_alert
from backend.domain.monitoring.devices import DeviceRef
from sensors.adapters.base import DeviceStatus
from sensors.detectors import Alert as DetectorAlert
from sensors.vitals import VitalsAlert
from shared.enums import AlertKind, AlertSeverity
from shared.timekeeping import as_utc, to_london

DEVICE_SEVERITY = {AlertKind.DEVICE_OFFLINE: AlertSeverity.WARNING, AlertKind.LOW_BATTERY: AlertSeverity.INFO}


def _stamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M")


async def raise_sensor_alert(session: AsyncSession, provider_id: int, client_id: int,
                             finding: DetectorAlert) -> tuple[Alert, bool]:
    """A detector's anomaly (inactivity, late wake, night wandering, ...) for a client's home."""
    return await raise_alert(
        session, provider_id=provider_id, kind=finding.category, severity=finding.severity,
        message=finding.explanation[:1000], client_id=client_id,
        dedupe_key=f"sensor:{client_id}:{finding.kind.value}:{_stamp(finding.at)}",
        detail={"detector": finding.kind.value, "at": as_utc(finding.at).isoformat(), "home": finding.home},
    )


async def raise_device_alert(session: AsyncSession, device: DeviceRef, status: DeviceStatus) -> tuple[Alert, bool]:
    """A device-health finding: offline once per sensor per day, low battery once per sensor per week."""
    local = to_london(status.time)
    period = local.date().isoformat() if status.kind is AlertKind.DEVICE_OFFLINE \
        else "%d-W%02d" % local.isocalendar()[:2]
    what = "offline" if status.kind is AlertKind.DEVICE_OFFLINE else "battery low"
    return await raise_alert(
        session, provider_id=device.provider_id, kind=status.kind,
        severity=DEVICE_SEVERITY.get(status.kind, AlertSeverity.WARNING),
        message=f"{status.sensor} ({status.room}) {what}: {status.detail}"[:1000], client_id=device.client_id,
        dedupe_key=f"{status.kind.value}:{device.device_id}:{status.sensor}:{period}"[:200],
        detail={"device_id": device.device_id, "sensor": status.sensor, "room": status.room,
                "at": as_utc(status.time).isoformat()},
    )


async def raise_vitals_alert(session: AsyncSession, provider_id: int, client_id: int,
                             finding: VitalsAlert) -> tuple[Alert, bool]:
    """A vitals breach (NEWS2, weight gain, SpO2, glucose) or an overdue-reading reminder."""
    return await raise_alert(
        session, provider_id=provider_id, kind=finding.category, severity=finding.severity,
        message=finding.explanation[:1000], client_id=client_id,
        dedupe_key=f"vitals:{client_id}:{finding.rule}:{_stamp(finding.at)}",
        detail={"rule": finding.rule, "at": as_utc(finding.at).isoformat()},
    )
