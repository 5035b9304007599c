"""Which home and room each Zigbee2MQTT friendly name belongs to (filled through the API)."""

from __future__ import annotations

import threading

import msgspec

from sensors.rooms import normalise_room
from shared.enums import SensorKind


class DeviceBinding(msgspec.Struct, frozen=True, kw_only=True):
    """A registered device. ``kind`` overrides what the payload implies (a bed pad reports ``occupancy``)."""

    home: str
    room: str
    kind: SensorKind | None = None


class DeviceRegistry:
    """Thread-safe friendly-name → binding map; MQTT callbacks read it while the API writes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bindings: dict[str, DeviceBinding] = {}

    def register(self, friendly_name: str, home: str, room: str, kind: SensorKind | None = None) -> DeviceBinding:
        """Bind a device to a home and room (re-registering moves it)."""
        binding = DeviceBinding(home=home, room=normalise_room(room), kind=kind)
        with self._lock:
            self._bindings[friendly_name] = binding
        return binding

    def unregister(self, friendly_name: str) -> None:
        """Forget a device; its later messages go to the dead letters."""
        with self._lock:
            self._bindings.pop(friendly_name, None)

    def lookup(self, friendly_name: str) -> DeviceBinding | None:
        """The binding of a device, or None when unknown."""
        return self._bindings.get(friendly_name)
