"""Scheduled checks on what the homes' devices and telehealth readings stopped saying.

The MQTT ingest worker notices silent sensors and low batteries live, but only for
Zigbee2MQTT gateways and only for sensors it heard since it started. These passes work
from what is stored instead (events of every gateway and webhook hub, vital-sign
readings), so they cover restarts, webhook homes and vitals reminders too. They raise
through the same functions and dedupe keys as the live path, so a finding is on the
board once whoever notices it first, however often a pass runs; nothing is resolved
here (an offline alert is resolved when its sensor reports again, see ``sensor_health``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import median

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.database.tenancy import TenantScope
from backend.domain.monitoring.alerting import SILENCE_LOOK_BACK, raise_device_alert, raise_vitals_alert
from backend.domain.monitoring.devices import bindings_of, home_key, ref_of
from backend.domain.monitoring.models import Device, Observation, SensorEvent
from backend.domain.monitoring.repositories import DeviceRepository, ObservationRepository, SensorEventRepository
from backend.domain.monitoring.schemas import DeviceKind
from backend.domain.monitoring.sensor_health import HealthChanges, apply_health, note_offline
from backend.domain.monitoring.vitals import HISTORY, reading_of
from sensors.adapters.base import DeviceStatus
from sensors.adapters.zigbee2mqtt.vocabulary import LOW_BATTERY_PERCENT
from sensors.adapters.zigbee2mqtt.silence import silence_limit
from sensors.vitals import VitalsProfile, overdue
from shared.enums import AlertKind, SensorKind
from shared.timekeeping import as_utc, london_to_utc, to_london
from shared.vitals import VitalObservation, VitalSign

# A sign measured on at least this many days of the history is part of the client's routine;
# fewer (a one-off check by a nurse) sets no expectation to be reminded of.
ROUTINE_DAYS = 3
# Slack after the usual interval before a reading counts as missing: a daily weight taken
# at 9:00 one day and 11:00 the next is not late.
OVERDUE_GRACE = timedelta(hours=6)


class HealthCounts(msgspec.Struct):
    """Alerts one device-health pass raised (findings already on the board are not counted)."""

    offline: int = 0
    low_battery: int = 0


class ReminderCounts(msgspec.Struct):
    """What one vitals-overdue pass looked at and raised."""

    clients: int = 0
    reminders: int = 0


async def _latest_events(session: AsyncSession, now: datetime, kind: SensorKind | None = None) -> list[SensorEvent]:
    """The newest stored event of each (device, sensor) within the look-back, of one kind when given.

    Several readings of one message share a time; the one with the highest sequence is
    kept, which is the order the live watch notes them in (its limit follows that kind).
    """
    filters = [SensorEvent.at >= now - SILENCE_LOOK_BACK, SensorEvent.at <= now]
    if kind is not None:
        filters.append(SensorEvent.kind == kind.value)
    latest: dict[tuple[int, str], SensorEvent] = {}
    for row in await SensorEventRepository(session, TenantScope.system()).newest_per_sensor(*filters):
        key = (row.device_id, row.sensor)
        if key not in latest or row.sequence > latest[key].sequence:
            latest[key] = row
    return list(latest.values())


def _watched(device: Device, sensor: str) -> bool:
    # A gateway's sensor taken out of its routing table is no longer expected to report (the live
    # path drops its findings too); a webhook hub's sensors need not be listed at all.
    return device.kind != DeviceKind.ZIGBEE2MQTT.value or sensor in bindings_of(device.rooms)


def _offline_finding(event: SensorEvent, now: datetime) -> DeviceStatus | None:
    """The offline finding for a sensor whose newest event is ``event``, or ``None`` while it is within its limit."""
    last = as_utc(event.at)
    if event.kind == SensorKind.AVAILABILITY.value and event.value <= 0:
        detail = "gateway reports the device offline"  # said so itself: no need to wait out the limit
    elif now - last > silence_limit(event.kind):
        detail = f"silent since {last.isoformat()}"
    else:
        return None
    return DeviceStatus(home=home_key(event.client_id), sensor=event.sensor, room=event.room,
                        kind=AlertKind.DEVICE_OFFLINE, detail=detail, time=now)


async def check_device_health(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> HealthCounts:
    """One pass over every provider's stored sensor events: offline and low-battery alerts, each raised once.

    A sensor is offline when its newest event is older than the live watch's limit for its
    kind (or is its gateway saying it went offline); low battery when its newest battery
    reading is under the live path's threshold. Findings go through ``raise_device_alert``,
    whose keys the live path shares, so a finding it already raised is not raised again.
    """
    now = as_utc(now)
    counts = HealthCounts()
    async with sessionmaker() as session, session.begin():
        offline = [(event, finding) for event in await _latest_events(session, now)
                   if (finding := _offline_finding(event, now)) is not None]
        low = [event for event in await _latest_events(session, now, SensorKind.BATTERY)
               if event.value < LOW_BATTERY_PERCENT]
        wanted = {event.device_id for event, _ in offline} | {event.device_id for event in low}
        devices = {device.id: device for device in await DeviceRepository(session, TenantScope.system()).list(
            Device.id.in_(wanted))} if wanted else {}  # type: ignore[union-attr]
        went_offline: HealthChanges = {}
        for event, finding in offline:
            device = devices.get(event.device_id)
            if device is None or not _watched(device, event.sensor):
                continue
            _, created = await raise_device_alert(session, ref_of(device), finding, since=as_utc(event.at))
            if created:
                # As the live path does for an offline finding; the sensor's next report sets it back.
                note_offline(went_offline, ref_of(device), event.sensor, event.room)
                counts.offline += 1
        await apply_health(session, went_offline)
        for event in low:
            device = devices.get(event.device_id)
            if device is None or not _watched(device, event.sensor):
                continue
            # Stamped with the reading's own time, as the live path stamps it, so the week in the key agrees.
            finding = DeviceStatus(home=home_key(event.client_id), sensor=event.sensor, room=event.room,
                                   kind=AlertKind.LOW_BATTERY, detail=f"battery at {event.value:g}%",
                                   time=as_utc(event.at))
            _, created = await raise_device_alert(session, ref_of(device), finding)
            counts.low_battery += int(created)
    return counts


def expected_intervals(history: list[VitalObservation]) -> dict[VitalSign, timedelta]:
    """How often each sign is expected, learned from the client's own routine in ``history``.

    The usual gap between the (London) days a sign was measured, in whole days and at least
    one (several readings a day still only expect one a day), plus ``OVERDUE_GRACE``. Care
    plans do not record telehealth schedules yet; when they do, the profile should come from there.
    """
    days: dict[VitalSign, set[date]] = defaultdict(set)
    for reading in history:
        days[reading.sign].add(to_london(reading.time).date())
    expected = {}
    for sign, measured in days.items():
        if len(measured) < ROUTINE_DAYS:
            continue
        ordered = sorted(measured)
        usual = median((later - earlier).days for earlier, later in zip(ordered, ordered[1:]))
        expected[sign] = timedelta(days=max(1, round(usual))) + OVERDUE_GRACE
    return expected


async def remind_overdue_vitals(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> ReminderCounts:
    """One pass over every client with readings in the last 14 days: a reminder per overdue sign, once a day.

    The history and a default ``VitalsProfile`` (as triage on arrival uses) with the
    intervals of ``expected_intervals`` go to the library's ``overdue``, one sign at a time
    so each reminder can be keyed by its sign and the London day: running every hour
    raises nothing new until the next day, when a reading still missing is reminded again.
    """
    now = as_utc(now)
    day_start = london_to_utc(to_london(now).date(), 0)
    counts = ReminderCounts()
    async with sessionmaker() as session, session.begin():
        rows = await ObservationRepository(session, TenantScope.system()).list(
            Observation.effective_at >= now - HISTORY, Observation.effective_at <= now,
            order_by=Observation.effective_at)
        by_client: dict[tuple[int, int], list[VitalObservation]] = defaultdict(list)
        for row in rows:
            by_client[(row.provider_id, row.client_id)].append(reading_of(row))
        for (provider_id, client_id), history in sorted(by_client.items()):
            counts.clients += 1
            profile = VitalsProfile(client=str(client_id))
            for sign, every in expected_intervals(history).items():
                for finding in overdue(history, msgspec.structs.replace(profile, expected_every={sign: every}), now):
                    reminder = msgspec.structs.replace(finding, rule=f"{finding.rule}:{sign.value}", at=day_start)
                    _, created = await raise_vitals_alert(session, provider_id, client_id, reminder)
                    counts.reminders += int(created)
    return counts
