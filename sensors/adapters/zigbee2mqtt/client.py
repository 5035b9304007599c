"""The MQTT side: a paho client that subscribes, reconnects and routes every message somewhere."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import paho.mqtt.client as mqtt

from sensors.adapters.base import (
    DeadLetter,
    DeadLetterSink,
    DeviceStatusSink,
    EventSink,
    GatewayStatusSink,
    PayloadError,
)
from sensors.adapters.zigbee2mqtt.connection import BrokerAccess
from sensors.adapters.zigbee2mqtt.normalise import SOURCE, normalise
from sensors.adapters.zigbee2mqtt.registry import DeviceRegistry
from sensors.adapters.zigbee2mqtt.silence import SilenceWatch
from sensors.adapters.zigbee2mqtt.topics import Layout, subscriptions
from shared.timekeeping import utc_now

log = logging.getLogger(__name__)


class Zigbee2MqttIngest:
    """Subscribes to ``<prefix>/#`` (device reports, availability, bridge state and events) and feeds the sinks.

    A persistent session (fixed client id, clean_session off) and QoS 1 mean messages
    published while the link is down are delivered after reconnecting; retained
    messages are re-sent by the broker on every subscribe. With ``share_group`` set,
    several ingest workers split one subscription (``$share/<group>/...``). ``access``
    carries the broker credentials and TLS settings.
    """

    source = SOURCE

    def __init__(self, registry: DeviceRegistry, *, host: str = "127.0.0.1", port: int = 1883,
                 client_id: str = "domicare-ingest", prefix: str = "zigbee2mqtt",
                 on_dead_letter: DeadLetterSink | None = None, on_status: DeviceStatusSink | None = None,
                 on_gateway: GatewayStatusSink | None = None, share_group: str | None = None,
                 silence: SilenceWatch | None = None, layout: Layout = Layout.SHARED,
                 access: BrokerAccess | None = None, clock: Callable[[], datetime] = utc_now) -> None:
        self._registry = registry
        self._host, self._port, self._prefix, self._layout = host, port, prefix, layout
        self._on_dead_letter = on_dead_letter or (lambda letter: log.warning("dead letter: %s", letter.reason))
        self._on_status = on_status or (lambda status: None)
        self._on_gateway = on_gateway or (lambda status: None)
        self._share_group = share_group
        self.silence = silence or SilenceWatch()
        self._clock = clock
        self._sink: EventSink | None = None
        self.connected_count = 0
        self.handled = 0  # messages handed to the sinks so far (tests wait on it; one writer thread: paho's)
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        self._client.reconnect_delay_set(min_delay=1, max_delay=5)
        (access or BrokerAccess()).apply(self._client)
        self.refused: str | None = None  # why the broker last refused to connect (bad credentials...)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                    properties: object = None) -> None:
        if getattr(reason, "is_failure", False):
            self.refused = str(reason)
            log.warning("MQTT connect refused: %s", reason)
            return
        self.refused = None
        self.connected_count += 1
        client.subscribe([(topic, 1) for topic in subscriptions(self._prefix, self._share_group)])

    def _dead_letter(self, topic: str, payload: bytes, reason: str, at: datetime) -> None:
        self._on_dead_letter(DeadLetter(source=SOURCE, key=topic, payload=payload.decode("utf-8", errors="replace"),
                                        reason=reason, received_at=at))

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        try:
            self._handle(message)
        finally:
            self.handled += 1

    def _handle(self, message: mqtt.MQTTMessage) -> None:
        at = self._clock()
        payload = bytes(message.payload)
        try:
            topic = message.topic  # paho decodes lazily and raises on a topic that is not UTF-8
        except UnicodeDecodeError:
            self._dead_letter("<topic not UTF-8>", payload, "topic is not valid UTF-8", at)
            return
        try:
            result = normalise(topic, payload, self._registry, at, self._prefix, self._layout)
        except PayloadError as exc:
            self._dead_letter(topic, payload, str(exc), at)
            return
        except Exception as exc:  # noqa: BLE001 - normalise should only raise PayloadError; never end the network loop
            log.exception("unexpected failure normalising %s", topic)
            self._dead_letter(topic, payload, f"unreadable payload ({exc.__class__.__name__}: {exc})", at)
            return
        try:
            for event in result.events:
                self.silence.note(event)
                if self._sink is not None:
                    self._sink(event)
            for status in result.statuses:
                self._on_status(status)
            for gateway in result.gateways:
                self._on_gateway(gateway)
            if result.rejected:
                self._dead_letter(topic, payload, result.rejected, at)
        except Exception as exc:  # noqa: BLE001 - a failing consumer must not kill the network loop
            log.exception("sensor event consumer failed")
            self._dead_letter(topic, payload, f"consumer failed: {exc!r}", at)

    def start(self, sink: EventSink) -> None:
        """Connect in the background (retrying until the broker is up) and start delivering."""
        self._sink = sink
        self._client.connect_async(self._host, self._port, keepalive=30)
        self._client.loop_start()

    def check_silence(self) -> None:
        """Report devices silent beyond their limit (call periodically, e.g. from the scheduler)."""
        for status in self.silence.check(self._clock()):
            self._on_status(status)

    def stop(self) -> None:
        """Disconnect and stop the network thread."""
        self._client.disconnect()
        self._client.loop_stop()

    def is_connected(self) -> bool:
        """Whether the client currently holds a broker connection."""
        return self._client.is_connected()
