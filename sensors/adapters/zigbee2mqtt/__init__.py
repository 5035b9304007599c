"""Zigbee2MQTT over MQTT: subscribe to a gateway's topics and normalise its device reports.

Friendly names map to a client's home and room through a registry the backend fills;
unreadable payloads go to a dead-letter callback and device health to a status callback.
"""

from sensors.adapters.zigbee2mqtt.client import Zigbee2MqttIngest
from sensors.adapters.zigbee2mqtt.registry import DeviceBinding, DeviceRegistry

__all__ = ["DeviceBinding", "DeviceRegistry", "Zigbee2MqttIngest"]
