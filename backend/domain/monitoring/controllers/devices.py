"""Registering gateways and hubs to a client's home (supervisors and provider admins)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import Provide
from litestar.exceptions import ClientException, NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_supervisor
from backend.domain.audit.services import record
from backend.domain.monitoring import urls
from backend.domain.monitoring.devices import DeviceConflict, device_out, register_device, rotate_token, update_rooms
from backend.domain.monitoring.models import Device
from backend.domain.monitoring.repositories import DeviceRepository
from backend.domain.monitoring.signatures import signing_key
from backend.domain.monitoring.schemas import DeviceIn, DeviceOut, DeviceRegistered, DeviceUpdate, SensorHealthOut
from backend.domain.monitoring.sensor_health import sensors_of
from backend.domain.people.access import client_in_scope
from backend.domain.people.repositories import ClientRepository
from backend.domain.monitoring.ingest import layout_of
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.principal import Principal
from sensors.adapters.zigbee2mqtt.topics import Layout


def conflict(exc: DeviceConflict) -> ClientException:
    """A 409 problem for a name already taken."""
    return ClientException(str(exc), status_code=409, extra={"title": "Conflict"})


async def _device(db_session: AsyncSession, tenant: TenantScope, device_id: int) -> Device:
    device = await DeviceRepository(db_session, tenant).get(device_id)
    if device is None:
        raise NotFoundException(f"no device {device_id}")
    return device


def _shared_topics(request: Request[Any, Any, Any]) -> bool:
    """Whether every gateway publishes under one base topic (friendly names must then be unique broker-wide)."""
    return layout_of(request.app.state.settings) is Layout.SHARED


class DeviceController(Controller):
    """Devices in the homes of the caller's provider's clients."""

    tags = ["monitoring"]
    guards = [requires_supervisor]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @post(urls.CLIENT_DEVICES, status_code=201, summary="Register a device to a client's home")
    async def register(self, request: Request[Principal, Any, Any], db_session: AsyncSession, tenant: TenantScope,
                       client_id: int, data: DeviceIn) -> DeviceRegistered:
        """Store the device with its friendly-name → room mapping; the token is returned this once."""
        client = await client_in_scope(db_session, tenant, client_id)
        try:
            device, token = await register_device(db_session, tenant, client.provider_id, client_id, data,
                                                  shared_topics=_shared_topics(request))
        except DeviceConflict as exc:
            raise conflict(exc) from None
        record(db_session, request.user, "register", "device", device.id, provider_id=device.provider_id,
               detail={"client_id": client_id, "name": device.name, "kind": device.kind, "sensors": sorted(device.rooms)})
        return DeviceRegistered(device_out(device), token,
                                signing_key(request.app.state.settings.secret_key, device.token_hash))

    @get(urls.CLIENT_DEVICES, summary="Devices in a client's home")
    async def list_for_client(self, db_session: AsyncSession, tenant: TenantScope, client_id: int,
                              page: PageParams) -> Page[DeviceOut]:
        """The client's devices by name."""
        if await ClientRepository(db_session, tenant).get(client_id) is None:
            raise NotFoundException(f"no client {client_id}")
        repo = DeviceRepository(db_session, tenant)
        rows = await repo.list(Device.client_id == client_id, order_by=Device.name, limit=page.limit, offset=page.offset)
        return Page([device_out(d) for d in rows], await repo.count(Device.client_id == client_id), page.limit, page.offset)

    @get(urls.DEVICES, summary="All devices of the provider")
    async def list_all(self, db_session: AsyncSession, tenant: TenantScope, page: PageParams,
                       online: bool | None = None) -> Page[DeviceOut]:
        """Devices by name; ``online=false`` lists the ones needing a visit."""
        filters = [] if online is None else [Device.online == online]
        repo = DeviceRepository(db_session, tenant)
        rows = await repo.list(*filters, order_by=Device.name, limit=page.limit, offset=page.offset)
        return Page([device_out(d) for d in rows], await repo.count(*filters), page.limit, page.offset)

    @get(urls.DEVICE, summary="One device")
    async def get_device(self, db_session: AsyncSession, tenant: TenantScope, device_id: int) -> DeviceOut:
        """A device of the provider; another provider's is reported as not found."""
        return device_out(await _device(db_session, tenant, device_id))

    @get(urls.DEVICE_SENSORS, summary="A device's sensors: online, battery and last report of each")
    async def list_sensors(self, db_session: AsyncSession, tenant: TenantScope, device_id: int,
                           page: PageParams) -> Page[SensorHealthOut]:
        """Every sensor the device has reported for, by name (a sensor appears once it has reported)."""
        await _device(db_session, tenant, device_id)  # another provider's device is not found
        rows = await sensors_of(db_session, tenant, device_id)
        listed = rows[page.offset:page.offset + page.limit]
        return Page([SensorHealthOut(row.sensor, row.room, row.online, row.battery, row.last_seen) for row in listed],
                    len(rows), page.limit, page.offset)

    @patch(urls.DEVICE, summary="Change a device's friendly-name → room mapping")
    async def update(self, request: Request[Principal, Any, Any], db_session: AsyncSession, tenant: TenantScope,
                     device_id: int, data: DeviceUpdate) -> DeviceOut:
        """Replace the mapping (the ingest worker picks it up on its next registry refresh)."""
        device = await _device(db_session, tenant, device_id)
        try:
            await update_rooms(db_session, device, data.rooms, shared_topics=_shared_topics(request))
        except DeviceConflict as exc:
            raise conflict(exc) from None
        record(db_session, request.user, "update", "device", device.id, provider_id=device.provider_id,
               detail={"sensors": sorted(device.rooms)})
        return device_out(device)

    @post(urls.DEVICE_TOKEN, status_code=201, summary="Issue a new device token (the old one stops working)")
    async def rotate(self, request: Request[Principal, Any, Any], db_session: AsyncSession, tenant: TenantScope,
                     device_id: int) -> DeviceRegistered:
        """A replacement token, shown this once."""
        device = await _device(db_session, tenant, device_id)
        token = await rotate_token(db_session, device)
        record(db_session, request.user, "rotate_token", "device", device.id, provider_id=device.provider_id)
        return DeviceRegistered(device_out(device), token,
                                signing_key(request.app.state.settings.secret_key, device.token_hash))
