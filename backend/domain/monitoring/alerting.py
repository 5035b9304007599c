"""Turning sensor, device and vitals findings into alerts on the supervisor board.

Every alert goes through ``raise_alert`` with a dedupe key naming the condition
and its occurrence, so a redelivered message or a second worker never doubles one.
Device silence is found both live (the MQTT ingest worker) and by the scheduled
device-health job; both name a silence by the moment its sensor last reported, so
whichever notices first raises the alert and the other finds it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.alerts.models import Alert
from backend.domain.alerts.services import raise_alert, unresolved_with_prefix
from backend.domain.monitoring.devices import DeviceRef
from backend.domain.monitoring.repositories import SensorEventRepository
from backend.domain.monitoring.sensor_health import GATEWAY, offline_key_prefix
from backend.domain.welfare.services import raise_check
from sensors.adapters.base import DeviceStatus
from sensors.detectors import DetectorAlert
from sensors.vitals import VitalsAlert
from shared.enums import AlertKind, AlertSeverity, ResponseTier, SensorKind
from shared.sensor_events import SensorEvent as Reading
from shared.timekeeping import as_utc, to_london

ALARM_WORDS = {
    SensorKind.SOS: "SOS button pressed", SensorKind.WATER_LEAK: "Water leak detected",
    SensorKind.SMOKE: "Smoke detected", SensorKind.GAS: "Gas detected",
    SensorKind.CARBON_MONOXIDE: "Carbon monoxide detected",
}
DEVICE_SEVERITY = {AlertKind.DEVICE_OFFLINE: AlertSeverity.WARNING, AlertKind.LOW_BATTERY: AlertSeverity.INFO}
# How long a welfare check waits for "I'm OK" before it escalates, unless the settings say otherwise.
DEFAULT_CHECK_WAIT = timedelta(minutes=15)
# How far back a sensor's last report is looked for. A sensor quiet for longer was reported when it fell
# silent (or has been taken out of the home); bounding the look-back keeps the 5-minute job cheap.
SILENCE_LOOK_BACK = timedelta(days=7)


def _stamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M")


async def raise_sensor_alert(session: AsyncSession, provider_id: int, client_id: int, finding: DetectorAlert,
                             check_wait: timedelta = DEFAULT_CHECK_WAIT) -> None:
    """A detector's finding for a client's home: a ``check`` opens a welfare check (the person is
    asked first and it escalates after ``check_wait``); an ``urgent`` one is an alarm for staff at once."""
    if finding.severity is ResponseTier.CHECK:
        await raise_check(session, provider_id, client_id, finding, check_wait)
        return
    await raise_alert(
        session, provider_id=provider_id, kind=finding.category, severity=AlertSeverity.URGENT,
        message=finding.explanation[:1000], client_id=client_id,
        dedupe_key=f"sensor:{client_id}:{finding.kind.value}:{_stamp(finding.at)}",
        detail={"detector": finding.kind.value, "tier": finding.severity.value, "at": as_utc(finding.at).isoformat(),
                "home": finding.home},
    )


async def raise_alarm_alert(session: AsyncSession, device: DeviceRef, reading: Reading) -> tuple[Alert, bool]:
    """An alarm (SOS, leak, smoke, gas, carbon monoxide): urgent, one alert per episode of one sensor.

    While an alarm of the same sensor and kind is still on the board (open or acknowledged),
    further presses or reports join it rather than raising another: the person is already
    being helped. Once resolved, the next one is a new alarm. A redelivered message carries
    the same time, so it lands on the same key even after the first was resolved.
    """
    episode = f"alarm:{device.device_id}:{reading.sensor}:{reading.kind.value}:"[:160]
    ongoing = await unresolved_with_prefix(session, device.provider_id, episode)
    if ongoing:
        return ongoing[0], False
    at = as_utc(reading.time)
    return await raise_alert(
        session, provider_id=device.provider_id, kind=AlertKind.ALARM, severity=AlertSeverity.URGENT,
        message=f"{ALARM_WORDS[reading.kind]}: {reading.sensor} ({reading.room}) at "
                f"{to_london(at).strftime('%H:%M:%S')}"[:1000],
        client_id=device.client_id, dedupe_key=f"{episode}{at.strftime('%Y-%m-%dT%H:%M:%S')}"[:200],
        detail={"device_id": device.device_id, "sensor": reading.sensor, "room": reading.room,
                "alarm": reading.kind.value, "at": at.isoformat()},
    )


async def last_report(session: AsyncSession, device: DeviceRef, sensor: str, before: datetime) -> datetime | None:
    """When ``sensor`` of ``device`` last reported at or before ``before`` (within ``SILENCE_LOOK_BACK``)."""
    found = await SensorEventRepository(session, TenantScope.single(device.provider_id)).last_report(
        device.device_id, sensor, before - SILENCE_LOOK_BACK, before)
    return as_utc(found) if found is not None else None


async def raise_device_alert(session: AsyncSession, device: DeviceRef, status: DeviceStatus, *,
                             since: datetime | None = None) -> tuple[Alert, bool]:
    """A device-health finding: offline once per outage of a sensor, low battery once per sensor per week.

    An outage is named by the time of the sensor's last report (``since``, looked up in
    the stored events when not given), not by when it was noticed: the live watch notices
    as the limit passes, the scheduled job maybe later or after a restart, and both must
    land on the same key. While an offline alert of the sensor is unresolved, a further
    finding joins it (a retained ``offline`` redelivered on reconnect is not a new outage);
    once the sensor reports again the alert is resolved (``sensor_health``), and a later
    outage is a new alert. ``status.time`` stays the moment it was noticed.
    """
    if status.kind is AlertKind.DEVICE_OFFLINE:
        ongoing = await unresolved_with_prefix(session, device.provider_id,
                                               offline_key_prefix(device.device_id, status.sensor))
        if ongoing:
            return ongoing[0], False
        began = since or await last_report(session, device, status.sensor, status.time) or status.time
        period = as_utc(began).isoformat()
    else:
        period = "%d-W%02d" % to_london(status.time).isocalendar()[:2]
    what = "offline" if status.kind is AlertKind.DEVICE_OFFLINE else "battery low"
    subject = "The home's gateway is" if status.sensor == GATEWAY else f"{status.sensor} ({status.room})"
    return await raise_alert(
        session, provider_id=device.provider_id, kind=status.kind,
        severity=DEVICE_SEVERITY.get(status.kind, AlertSeverity.WARNING),
        message=f"{subject} {what}: {status.detail}"[:1000], client_id=device.client_id,
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
