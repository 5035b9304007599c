"""Tenant-scoped access to devices, sensor events, observations and dead letters."""

from __future__ import annotations

from backend.database.tenancy import TenantRepository
from backend.domain.monitoring.models import DeadLetter, Device, Observation, SensorEvent


class DeviceRepository(TenantRepository[Device]):
    """Gateways and hubs of the caller's providers."""

    model = Device


class SensorEventRepository(TenantRepository[SensorEvent]):
    """Sensor readings from the caller's providers' client homes."""

    model = SensorEvent


class ObservationRepository(TenantRepository[Observation]):
    """Vital-sign readings of the caller's providers' clients."""

    model = Observation


class DeadLetterRepository(TenantRepository[DeadLetter]):
    """Rejected device payloads attributed to the caller's providers (unattributed ones stay with operators)."""

    model = DeadLetter
