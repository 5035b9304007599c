"""Registering gateways and hubs to a client's home, their tokens, and the friendly-name routing table.

A Zigbee2MQTT friendly name is a topic on the shared broker, so it may belong to
one registered device only; the ingest worker reads the routing table from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.monitoring import tokens
from backend.domain.monitoring.models import Device
from backend.domain.monitoring.repositories import DeviceRepository
from backend.domain.monitoring.schemas import DeviceIn, DeviceKind, DeviceOut, SensorBinding
from sensors.rooms import normalise_room
from shared.enums import SensorKind


class DeviceConflict(ValueError):
    """A device name or friendly name already taken; the message says which."""


class DeviceRef(msgspec.Struct, frozen=True):
    """Whose home a device is in: enough to store its events without another query."""

    device_id: int
    provider_id: int
    client_id: int


class SensorRoute(msgspec.Struct, frozen=True):
    """One friendly name of a registered gateway and where it reports.

    ``key`` is how its topics name it: the friendly name under a shared base topic, or
    ``<gateway name>/<friendly name>`` when each gateway has its own base topic.
    """

    key: str
    friendly_name: str
    gateway: str  # the registered device's name: its base topic's last level in the per-gateway layout
    device: DeviceRef
    room: str
    kind: SensorKind | None


def home_key(client_id: int) -> str:
    """The home name the sensors library uses for a client."""
    return f"client-{client_id}"


def ref_of(device: Device) -> DeviceRef:
    """The routing reference of a device row."""
    assert device.id is not None
    return DeviceRef(device.id, device.provider_id, device.client_id)


def bindings_of(rooms: dict[str, Any]) -> dict[str, SensorBinding]:
    """A stored ``rooms`` column as bindings (tolerating plain room strings)."""
    out = {}
    for name, value in rooms.items():
        if isinstance(value, str):
            out[name] = SensorBinding(room=value)
        else:
            kind = value.get("kind")
            out[name] = SensorBinding(room=str(value.get("room", "other")), kind=SensorKind(kind) if kind else None)
    return out


def normalise_rooms(rooms: dict[str, str | SensorBinding]) -> dict[str, dict[str, str | None]]:
    """The ``rooms`` column for a request's mapping: canonical room names, explicit kinds."""
    stored: dict[str, dict[str, str | None]] = {}
    for name, value in rooms.items():
        binding = value if isinstance(value, SensorBinding) else SensorBinding(room=value)
        stored[name] = {"room": normalise_room(binding.room), "kind": binding.kind.value if binding.kind else None}
    return stored


def device_out(device: Device) -> DeviceOut:
    """The public shape of a device row."""
    assert device.id is not None
    return DeviceOut(device.id, device.provider_id, device.client_id, device.kind, device.name,
                     bindings_of(device.rooms), device.online, device.last_seen)


async def _check_friendly_names(session: AsyncSession, names: Iterable[str], except_device: int | None,
                                shared_topics: bool) -> None:
    # Under a shared base topic, friendly names share one topic space on the broker, across providers:
    # check them all. With a base topic per gateway, a name need only be unique within its gateway.
    wanted = set(names)
    if not wanted or not shared_topics:
        return
    everyone = DeviceRepository(session, TenantScope.system())
    for other in await everyone.list(Device.kind == DeviceKind.ZIGBEE2MQTT.value):
        if other.id != except_device:
            taken = wanted & set(other.rooms)
            if taken:
                raise DeviceConflict(f"friendly name {sorted(taken)[0]!r} is already registered to another gateway")


async def register_device(session: AsyncSession, scope: TenantScope, provider_id: int, client_id: int,
                          data: DeviceIn, *, shared_topics: bool = True) -> tuple[Device, str]:
    """Store a new device for a client's home; returns it and its token (shown once).

    ``shared_topics``: every gateway publishes under one base topic, so friendly names are unique broker-wide.
    """
    repo = DeviceRepository(session, scope)
    if await DeviceRepository(session, TenantScope.system()).count(Device.name == data.name):
        raise DeviceConflict(f"a device named {data.name!r} is already registered")
    if data.kind is DeviceKind.ZIGBEE2MQTT:
        await _check_friendly_names(session, data.rooms, None, shared_topics)
    device = Device(provider_id=provider_id, client_id=client_id, kind=data.kind.value, name=data.name,
                    rooms=normalise_rooms(data.rooms), online=True)
    try:
        async with session.begin_nested():
            await repo.add(device)
    except IntegrityError:
        raise DeviceConflict(f"a device named {data.name!r} is already registered") from None
    assert device.id is not None
    token = tokens.new_token(device.id)
    device.token_hash = tokens.hash_token(token)
    await session.flush()
    return device, token


async def update_rooms(session: AsyncSession, device: Device, rooms: dict[str, str | SensorBinding], *,
                       shared_topics: bool = True) -> Device:
    """Replace a device's friendly-name → room mapping."""
    if device.kind == DeviceKind.ZIGBEE2MQTT.value:
        await _check_friendly_names(session, rooms, device.id, shared_topics)
    device.rooms = normalise_rooms(rooms)
    session.add(device)
    await session.flush()
    return device


async def rotate_token(session: AsyncSession, device: Device) -> str:
    """A new token for the device; the old one stops working at once."""
    assert device.id is not None
    token = tokens.new_token(device.id)
    device.token_hash = tokens.hash_token(token)
    session.add(device)
    await session.flush()
    return token


async def authenticate_device(session: AsyncSession, token: str) -> Device | None:
    """The device a token belongs to, or ``None``; before authentication no provider is known."""
    device_id = tokens.device_id_of(token)
    if device_id is None:
        return None
    device = await DeviceRepository(session, TenantScope.system()).get(device_id)
    if device is None or not tokens.matches(token, device.token_hash):
        return None
    return device


async def load_routes(session: AsyncSession, *, per_gateway: bool = False) -> list[SensorRoute]:
    """Every registered gateway's friendly names with their home and room (the ingest worker's table)."""
    routes = []
    for device in await DeviceRepository(session, TenantScope.system()).list(
            Device.kind == DeviceKind.ZIGBEE2MQTT.value, order_by=Device.id):
        ref = ref_of(device)
        for name, binding in bindings_of(device.rooms).items():
            key = f"{device.name}/{name}" if per_gateway else name
            routes.append(SensorRoute(key, name, device.name, ref, binding.room, binding.kind))
    return routes


async def load_homes(session: AsyncSession) -> list[DeviceRef]:
    """One reference per client home with sensors (gateways and webhook hubs), for the detectors."""
    homes: dict[int, DeviceRef] = {}
    for device in await DeviceRepository(session, TenantScope.system()).list(
            Device.kind.in_([DeviceKind.ZIGBEE2MQTT.value, DeviceKind.WEBHOOK.value]), order_by=Device.id):  # type: ignore[attr-defined]
        homes.setdefault(device.client_id, ref_of(device))
    return list(homes.values())
