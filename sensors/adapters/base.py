"""The interface every adapter implements and the records it hands back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import msgspec

from shared.enums import AlertKind
from shared.sensor_events import SensorEvent

EventSink = Callable[[SensorEvent], None]


class PayloadError(ValueError):
    """A device payload that cannot be turned into events; the message is the dead-letter reason."""


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """A payload an adapter could not turn into events, kept for admins with the reason."""

    source: str
    key: str
    payload: str
    reason: str
    received_at: datetime


class DeviceStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A device-health finding (offline, low battery) for the alert board, not the detectors."""

    home: str
    sensor: str
    room: str
    kind: AlertKind
    detail: str
    time: datetime


class GatewayStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A gateway's bridge went offline or came back (``gateway`` is None under a shared base topic)."""

    gateway: str | None
    online: bool
    time: datetime


DeadLetterSink = Callable[[DeadLetter], None]
DeviceStatusSink = Callable[[DeviceStatus], None]
GatewayStatusSink = Callable[[GatewayStatus], None]


class Adapter(Protocol):
    """Anything that feeds normalised events into a sink until stopped."""

    source: str

    def start(self, sink: EventSink) -> None:
        """Begin delivering events to ``sink`` (replays may run to completion here)."""

    def stop(self) -> None:
        """Stop delivering events and release connections."""
