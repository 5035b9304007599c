"""Health per sensor (online, battery, last report), and offline alerts resolved when a sensor or gateway is back.

A gateway's sensors fail one at a time (a flat battery, a lost link), so their state is kept
per sensor: one sensor's report never hides another's outage. The gateway's own state
(its Zigbee2MQTT bridge, or a webhook hub's posts) stays on the device row. Whoever learns
something (the MQTT ingest worker, the webhook, the scheduled health job) hands it to
``apply_health`` in its own transaction; a sensor that reports again after being offline
has its offline alert resolved by the system, since the condition is over.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.alerts.services import resolve, unresolved_with_prefix
from backend.domain.monitoring.devices import DeviceRef
from backend.domain.monitoring.models import SensorHealth
from backend.domain.monitoring.repositories import SensorHealthRepository
from shared.enums import AlertKind, SensorKind
from shared.sensor_events import SensorEvent as Reading
from shared.timekeeping import as_utc

# The gateway itself in offline alerts' keys and details: a Zigbee2MQTT friendly name cannot be "bridge"
# (``<base>/bridge/...`` are the bridge's own topics), so it never clashes with a sensor.
GATEWAY = "bridge"


def offline_key_prefix(device_id: int, sensor: str) -> str:
    """The start of every offline alert's dedupe key for one sensor (or ``GATEWAY``) of a device."""
    return f"{AlertKind.DEVICE_OFFLINE.value}:{device_id}:{sensor}:"


class HealthChange(msgspec.Struct, kw_only=True):
    """What one batch learnt about one sensor; ``None`` fields say nothing new."""

    room: str
    last_seen: datetime | None = None
    online: bool | None = None
    battery: float | None = None
    back: bool = False  # went offline and came back within the batch

    def note(self, *, last_seen: datetime | None = None, online: bool | None = None,
             battery: float | None = None) -> None:
        """Merge a later observation into this change."""
        if last_seen is not None:
            self.last_seen = max(as_utc(last_seen), self.last_seen) if self.last_seen else as_utc(last_seen)
        if online is not None:
            self.back = self.back or (online and self.online is False)
            self.online = online
        if battery is not None:
            self.battery = battery


HealthChanges = dict[tuple[DeviceRef, str], HealthChange]


def note_reading(changes: HealthChanges, device: DeviceRef, reading: Reading) -> None:
    """A sensor spoke: it is online (unless it said otherwise), and a battery reading is its battery."""
    change = changes.setdefault((device, reading.sensor), HealthChange(room=reading.room))
    if reading.kind is SensorKind.AVAILABILITY:
        change.note(last_seen=reading.time, online=reading.value > 0)
    else:
        change.note(last_seen=reading.time, online=True,
                    battery=reading.value if reading.kind is SensorKind.BATTERY else None)


def note_offline(changes: HealthChanges, device: DeviceRef, sensor: str, room: str) -> None:
    """A sensor was found offline (silent past its limit, or said so)."""
    changes.setdefault((device, sensor), HealthChange(room=room)).note(online=False)


async def resolve_offline(session: AsyncSession, device: DeviceRef, sensor: str) -> int:
    """Resolve the open offline alerts of one sensor (or the gateway); how many there were."""
    found = await unresolved_with_prefix(session, device.provider_id, offline_key_prefix(device.device_id, sensor))
    for alert in found:
        resolve(alert, None)
        session.add(alert)
    return len(found)


async def apply_health(session: AsyncSession, changes: HealthChanges) -> int:
    """Write what a batch learnt about its sensors; resolves the offline alerts of those back online.

    Returns how many alerts were resolved. One read for every sensor the batch touched.
    """
    if not changes:
        return 0
    repo = SensorHealthRepository(session, TenantScope.system())
    wanted = {(device.device_id, sensor[:120]) for device, sensor in changes}

    async def known() -> dict[tuple[int, str], SensorHealth]:
        return {(row.device_id, row.sensor): row for row in await repo.list(
            SensorHealth.device_id.in_({device_id for device_id, _ in wanted}),  # type: ignore[attr-defined]
            SensorHealth.sensor.in_({sensor for _, sensor in wanted}))}  # type: ignore[attr-defined]

    rows = await known()
    if wanted - set(rows):
        # New sensors start online; added apart from the updates, so a second writer adding one too is harmless.
        await repo.ensure([{"provider_id": device.provider_id, "client_id": device.client_id,
                            "device_id": device.device_id, "sensor": sensor[:120], "room": change.room[:60],
                            "online": True} for (device, sensor), change in changes.items()
                           if (device.device_id, sensor[:120]) not in rows])
        rows = await known()
    back: list[tuple[DeviceRef, str]] = []
    for (device, sensor), change in changes.items():
        row = rows[(device.device_id, sensor[:120])]
        was_online = row.online
        if change.last_seen is not None and (row.last_seen is None or change.last_seen > as_utc(row.last_seen)):
            row.last_seen = change.last_seen
        if change.battery is not None:
            row.battery = change.battery
        if change.online is not None:
            row.online = change.online
        row.room = change.room[:60]
        session.add(row)
        if row.online and (change.back or not was_online):
            back.append((device, sensor))
    await session.flush()
    return sum([await resolve_offline(session, device, sensor) for device, sensor in back])


async def sensors_of(session: AsyncSession, scope: TenantScope, device_id: int) -> list[SensorHealth]:
    """The health rows of a device's sensors, by sensor name."""
    return list(await SensorHealthRepository(session, scope).list(SensorHealth.device_id == device_id,
                                                                  order_by=SensorHealth.sensor))
