"""Zigbee2MQTT over MQTT: subscribe to gateways' topics and normalise their device reports.

Friendly names map to a client's home and room through a registry the backend fills;
unreadable payloads go to a dead-letter callback, device health to a status callback and
bridge (gateway) state to a gateway callback.
"""

from sensors.adapters.zigbee2mqtt.client import Zigbee2MqttIngest
from sensors.adapters.zigbee2mqtt.connection import BrokerAccess
from sensors.adapters.zigbee2mqtt.registry import DeviceBinding, DeviceRegistry
from sensors.adapters.zigbee2mqtt.topics import Layout

__all__ = ["BrokerAccess", "DeviceBinding", "DeviceRegistry", "Layout", "Zigbee2MqttIngest"]
