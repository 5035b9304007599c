"""The normalised sensor event every adapter yields and every detector consumes."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.enums import SensorKind

# A reading of one of these kinds with a non-zero value is an alarm: someone must be paged at once.
ALARM_KINDS = frozenset({SensorKind.SOS, SensorKind.WATER_LEAK, SensorKind.SMOKE, SensorKind.GAS,
                         SensorKind.CARBON_MONOXIDE})
# Kinds that report the device or the home's environment, not something the person did.
NOT_ACTIVITY_KINDS = frozenset({
    SensorKind.TEMPERATURE, SensorKind.BATTERY, SensorKind.LINK_QUALITY, SensorKind.AVAILABILITY,
    SensorKind.WATER_LEAK, SensorKind.SMOKE, SensorKind.GAS, SensorKind.CARBON_MONOXIDE, SensorKind.TAMPER,
    SensorKind.BATTERY_LOW, SensorKind.HUMIDITY, SensorKind.ILLUMINANCE, SensorKind.AIR_PRESSURE,
    SensorKind.ENERGY, SensorKind.NO_MOTION, SensorKind.SELF_TEST,
})


class SensorEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One reading from one sensor in one home, whatever protocol carried it.

    ``value`` is a number: 1/0 for binary sensors (motion seen, contact open,
    pressure on, flush, power on, leak, smoke, SOS pressed), a measurement otherwise.
    """

    home: str
    sensor: str
    room: str
    kind: SensorKind
    value: float
    time: datetime
    source: str

    @property
    def is_alarm(self) -> bool:
        """Whether this reading raises an alarm (an SOS press, a leak, smoke, gas or carbon monoxide)."""
        return self.kind in ALARM_KINDS and self.value > 0
