"""Zigbee2MQTT's topic layout: which device or bridge a topic is about, under one or many base topics.

Shared layout: every gateway publishes under one base topic (``zigbee2mqtt/<friendly name>``).
Per-gateway layout: each home's Zigbee2MQTT has ``base_topic: <prefix>/<gateway id>``, so the
second level names the gateway and friendly names need only be unique within it. Friendly names
may contain ``/`` (Zigbee2MQTT allows it), so a device is everything between the base topic and
a known suffix.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from sensors.adapters.base import PayloadError


class Layout(StrEnum):
    """How base topics are arranged on the broker."""

    SHARED = "shared"
    PER_GATEWAY = "per-gateway"


class Leaf(StrEnum):
    """What a message on a topic is."""

    REPORT = "report"  # <base>/<name>: a device's state
    AVAILABILITY = "availability"  # <base>/<name>/availability
    BRIDGE_STATE = "bridge_state"  # <base>/bridge/state: the gateway itself online/offline
    BRIDGE_EVENT = "bridge_event"  # <base>/bridge/event: devices joining and leaving
    IGNORED = "ignored"  # commands (<name>/set, /get) and the bridge's other topics (devices, info, logging...)


class Topic(msgspec.Struct, frozen=True):
    """A parsed topic: the gateway (per-gateway layout only), the device (if any) and what it carries."""

    gateway: str | None
    device: str | None
    leaf: Leaf

    @property
    def key(self) -> str | None:
        """The device's key in the registry: its friendly name, qualified by the gateway in the per-gateway layout."""
        if self.device is None:
            return None
        return f"{self.gateway}/{self.device}" if self.gateway is not None else self.device


_COMMANDS = ("set", "get")


def subscriptions(prefix: str, share_group: str | None = None) -> list[str]:
    """What an ingest worker subscribes to: everything under the prefix, split between workers when shared."""
    share = f"$share/{share_group}/" if share_group else ""
    return [f"{share}{prefix}/#"]


def parse_topic(topic: str, prefix: str, layout: Layout = Layout.SHARED) -> Topic:
    """The gateway, device and kind of message a topic names; ``PayloadError`` for one outside the layout."""
    head = f"{prefix}/"
    if not topic.startswith(head) or len(topic) == len(head):
        raise PayloadError(f"topic {topic!r} is not under {prefix}/")
    rest = topic[len(head):]
    gateway = None
    if layout is Layout.PER_GATEWAY:
        gateway, _, rest = rest.partition("/")
        if not gateway or not rest:
            raise PayloadError(f"topic {topic!r} does not name a gateway and a device ({prefix}/<gateway>/<device>)")
    parts = rest.split("/")
    if any(not part for part in parts):
        raise PayloadError(f"topic {topic!r} has an empty level")
    if parts[0] == "bridge":
        leaf = {"bridge/state": Leaf.BRIDGE_STATE, "bridge/event": Leaf.BRIDGE_EVENT}.get(rest, Leaf.IGNORED)
        return Topic(gateway, None, leaf)
    if len(parts) > 1 and parts[-1] == "availability":
        return Topic(gateway, "/".join(parts[:-1]), Leaf.AVAILABILITY)
    for index, part in enumerate(parts[1:], start=1):
        if part in _COMMANDS:  # <name>/set, <name>/set/<attribute>, <name>/get...
            return Topic(gateway, "/".join(parts[:index]), Leaf.IGNORED)
    return Topic(gateway, rest, Leaf.REPORT)
