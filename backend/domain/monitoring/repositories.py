"""Tenant-scoped access to devices, sensor events, observations and dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select

from backend.database.tenancy import TenantRepository
from backend.domain.monitoring.models import DeadLetter, Device, Observation, SensorEvent


class DeviceRepository(TenantRepository[Device]):
    """Gateways and hubs of the caller's providers."""

    model = Device


class SensorEventRepository(TenantRepository[SensorEvent]):
    """Sensor readings from the caller's providers' client homes."""

    model = SensorEvent

    async def last_report(self, device_id: int, sensor: str, since: datetime, until: datetime) -> datetime | None:
        """When a device's sensor last reported between ``since`` and ``until`` (inclusive)."""
        statement = self.scoped(select(func.max(SensorEvent.at))).where(
            SensorEvent.device_id == device_id, SensorEvent.sensor == sensor,
            SensorEvent.at <= until, SensorEvent.at >= since)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def newest_per_sensor(self, *filters: Any) -> list[SensorEvent]:
        """Among the events matching the filters, those at the newest time of each (device, sensor)."""
        newest = self.scoped(
            select(SensorEvent.device_id, SensorEvent.sensor, func.max(SensorEvent.at).label("at"))
        ).where(*filters).group_by(SensorEvent.device_id, SensorEvent.sensor).subquery()
        statement = self.select().join(newest, and_(
            SensorEvent.device_id == newest.c.device_id, SensorEvent.sensor == newest.c.sensor,
            SensorEvent.at == newest.c.at)).where(*filters)
        return list((await self.session.execute(statement)).scalars())


class ObservationRepository(TenantRepository[Observation]):
    """Vital-sign readings of the caller's providers' clients."""

    model = Observation


class DeadLetterRepository(TenantRepository[DeadLetter]):
    """Rejected device payloads attributed to the caller's providers (unattributed ones stay with operators)."""

    model = DeadLetter
