"""Tenant-scoped access to devices, sensor events, observations and dead letters."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from backend.database.tenancy import TenantRepository
from backend.domain.monitoring.models import DeadLetter, Device, Observation, SensorEvent, SensorHealth, TelehealthProfile


class DeviceRepository(TenantRepository[Device]):
    """Gateways and hubs of the caller's providers."""

    model = Device


class SensorHealthRepository(TenantRepository[SensorHealth]):
    """Each sensor's online state, battery and last report."""

    model = SensorHealth

    async def ensure(self, rows: list[dict[str, Any]]) -> None:
        """Insert health rows for sensors not yet known, leaving any that exist (two writers may race to add one)."""
        if not rows:
            return
        insert = postgresql.insert if self.session.bind.dialect.name == "postgresql" else sqlite.insert
        statement = insert(SensorHealth.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
            index_elements=["device_id", "sensor"])
        await self.session.execute(statement, rows)


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

    @staticmethod
    def _resource_key(pair_codes: tuple[str, ...]) -> Any:
        # Rows exported as one resource share a key: a blood pressure's two rows at one time are one panel.
        return case((Observation.code.in_(pair_codes), -1), else_=Observation.id)  # type: ignore[attr-defined]

    async def resource_page(self, client_id: int, pair_codes: tuple[str, ...], limit: int,
                            offset: int) -> tuple[list[Observation], int]:
        """The rows of one page of a client's exported resources, oldest first, and how many resources there are.

        Paging counts resources, not rows, so a blood-pressure panel is never split across two pages.
        """
        key = self._resource_key(pair_codes)
        resources = self.scoped(select(Observation.effective_at, key.label("resource"),
                                       func.min(Observation.id).label("first"))) \
            .where(Observation.client_id == client_id).group_by(Observation.effective_at, key)
        total = int((await self.session.execute(select(func.count()).select_from(resources.subquery()))).scalar_one())
        page = resources.order_by(Observation.effective_at, "first").limit(limit).offset(offset).subquery()
        statement = self.select().join(page, and_(Observation.effective_at == page.c.effective_at,
                                                  key == page.c.resource)) \
            .where(Observation.client_id == client_id).order_by(Observation.effective_at, Observation.id)
        return list((await self.session.execute(statement)).scalars()), total


    async def last_reading_times(self) -> dict[int, datetime]:
        """Each client's latest reading: with their last visit, when their care ended (for retention)."""
        statement = self.scoped(select(Observation.client_id, func.max(Observation.effective_at))).group_by(Observation.client_id)
        return {client_id: at for client_id, at in (await self.session.execute(statement)).all()}

    async def since(self, client_ids: Collection[int], since: datetime) -> list[tuple[int, str, Any, float, datetime]]:
        """Plain rows (client, code, stored sign, value, time) of these clients' readings since ``since``.

        Tuples, not ORM objects: the hub's caseload reads a month of readings for a thousand people at once.
        """
        statement = self.scoped(select(Observation.client_id, Observation.code,
                                       Observation.components["sign"].as_string(),  # type: ignore[index]
                                       Observation.value, Observation.effective_at)) \
            .where(Observation.client_id.in_(client_ids), Observation.effective_at >= since)  # type: ignore[attr-defined]
        return [tuple(row) for row in (await self.session.execute(statement)).all()]  # type: ignore[misc]


    async def counts(self, client_ids: Collection[int], start: datetime, end: datetime) -> list[tuple[int, str, Any, int]]:
        """How many readings each client has per code (and stored sign) between ``start`` and ``end``."""
        sign = Observation.components["sign"].as_string()  # type: ignore[index]
        statement = self.scoped(select(Observation.client_id, Observation.code, sign, func.count())).where(
            Observation.client_id.in_(client_ids), Observation.effective_at >= start,  # type: ignore[attr-defined]
            Observation.effective_at < end).group_by(Observation.client_id, Observation.code, sign)
        return [tuple(row) for row in (await self.session.execute(statement)).all()]  # type: ignore[misc]


class DeadLetterRepository(TenantRepository[DeadLetter]):
    """Rejected device payloads attributed to the caller's providers (unattributed ones stay with operators)."""

    model = DeadLetter


class UnattributedDeadLetterRepository(TenantRepository[DeadLetter]):
    """Rejected payloads no provider owns (devices registered to no home): the platform operator's.

    Whatever the scope, only rows of no provider are read: a provider's are never among them.
    """

    model = DeadLetter

    def scoped(self, statement: Any) -> Any:
        """Only rows of no provider."""
        return statement.where(DeadLetter.provider_id.is_(None))  # type: ignore[union-attr]


class TelehealthProfileRepository(TenantRepository[TelehealthProfile]):
    """Clients' condition profiles and thresholds."""

    model = TelehealthProfile
