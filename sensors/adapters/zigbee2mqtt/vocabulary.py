"""What the keys of a Zigbee2MQTT device report mean for home care.

Checked against the devices' published exposes (zigbee-herdsman-converters): IAS zone
binaries (occupancy, contact, water_leak, smoke, gas, carbon_monoxide, sos, vibration,
pressure, tamper, battery_low), mmWave ``presence``, climate numerics, plug power/energy,
and the ``action`` of buttons (TuYa TS0215A_sos sends ``emergency``; Heiman HS1EB sends
``single``/``double``/``hold``, so a sensor registered as an SOS button makes any press an SOS).
"""

from __future__ import annotations

import math
import msgspec

from sensors.adapters.zigbee2mqtt.registry import DeviceBinding
from shared.enums import SensorKind
from shared.sensor_events import ALARM_KINDS

LOW_BATTERY_PERCENT = 15.0

# key -> kind; true reads 1 except for contact (Zigbee2MQTT's contact=true means closed: 0, not open).
BINARY: dict[str, SensorKind] = {
    "occupancy": SensorKind.MOTION, "presence": SensorKind.MOTION, "contact": SensorKind.CONTACT,
    "pressure": SensorKind.PRESSURE, "vibration": SensorKind.VIBRATION, "water_leak": SensorKind.WATER_LEAK,
    "smoke": SensorKind.SMOKE, "gas": SensorKind.GAS, "carbon_monoxide": SensorKind.CARBON_MONOXIDE,
    "sos": SensorKind.SOS, "tamper": SensorKind.TAMPER, "battery_low": SensorKind.BATTERY_LOW,
}
INVERTED = frozenset({"contact"})
# key -> kind and the range a working device reports (anything outside is a fault, not a reading).
NUMERIC: dict[str, tuple[SensorKind, float, float]] = {
    "temperature": (SensorKind.TEMPERATURE, -40.0, 125.0),
    "humidity": (SensorKind.HUMIDITY, 0.0, 100.0),
    "illuminance": (SensorKind.ILLUMINANCE, 0.0, 200_000.0),
    "illuminance_lux": (SensorKind.ILLUMINANCE, 0.0, 200_000.0),
    "battery": (SensorKind.BATTERY, 0.0, 100.0),
    "linkquality": (SensorKind.LINK_QUALITY, 0.0, 255.0),
    "power": (SensorKind.POWER, -1_000.0, 100_000.0),
    "energy": (SensorKind.ENERGY, 0.0, 10_000_000.0),
    "no_occupancy_since": (SensorKind.NO_MOTION, 0.0, 10_000_000.0),
}
# A numeric ``pressure`` is a climate sensor's air pressure in hPa; a boolean one is a pressure pad.
AIR_PRESSURE = (SensorKind.AIR_PRESSURE, 300.0, 1_200.0)
# IAS zone alarms whose meaning depends on the device: they read as the kind the sensor is registered as.
GENERIC_ALARMS = frozenset({"alarm", "alarm_1", "alarm_2"})
SOS_ACTIONS = frozenset({"emergency", "sos", "panic"})
VIBRATION_ACTIONS = frozenset({"vibration", "tilt", "drop"})
NOT_A_PRESS = frozenset({"", "off", "release"})
# Understood but not a reading: the report's envelope, diagnostics and settings echoed back.
ENVELOPE = frozenset({
    "last_seen", "voltage", "current", "device_temperature", "power_outage_count", "trigger_count", "update",
    "update_available", "device", "elapsed", "state", "strength", "angle", "angle_x", "angle_y", "angle_z",
    "x_axis", "y_axis", "z_axis", "sensitivity", "keep_time", "occupancy_timeout", "motion_sensitivity",
    "smoke_density", "gas_density", "test", "battery_state", "battery_level", "target_distance", "presence_event",
    "power_on_behavior", "child_lock", "led_indication", "indicator_mode",
})
_ACTIVITY_OVERRIDABLE = frozenset({SensorKind.MOTION, SensorKind.CONTACT, SensorKind.PRESSURE, SensorKind.VIBRATION})


class Reading(msgspec.Struct, frozen=True):
    """One value a report carries, before it is tied to a home and a time."""

    kind: SensorKind
    value: float


class Fields(msgspec.Struct):
    """What the keys of one report said: readings, a low battery, and the keys that could not be used."""

    readings: list[Reading] = msgspec.field(default_factory=list)
    low_battery: str | None = None
    rejected: list[str] = msgspec.field(default_factory=list)  # "key: reason"
    unknown: list[str] = msgspec.field(default_factory=list)


def show(value: object, limit: int = 60) -> str:
    """A short repr for a dead-letter reason, whatever the value (huge ints, deep nesting)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # int beyond the str-conversion limit, pathological nesting
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _Rejected(ValueError):
    """One key's value is unusable; the message says why."""


def _number(key: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Rejected(f"{key} must be a number, got {show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Rejected(f"{key} must be a finite number, got {show(value)}")
    # Compared before float(): an int like 10**400 compares fine but overflows float().
    if not low <= value <= high:
        raise _Rejected(f"{key}={show(value)} is outside {low:g}..{high:g}")
    return float(value)


def _flag(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _Rejected(f"{key} must be true or false, got {show(value)}")
    return value


def _binary(key: str, value: object, binding: DeviceBinding, testing: bool) -> Reading:
    kind = BINARY[key]
    if kind is SensorKind.PRESSURE and not isinstance(value, bool):
        air, low, high = AIR_PRESSURE
        return Reading(air, _number(key, value, low, high))
    flag = _flag(key, value)
    if binding.kind in _ACTIVITY_OVERRIDABLE and kind in _ACTIVITY_OVERRIDABLE:
        kind = binding.kind  # a bed pad registered as such may report occupancy
    if testing and kind in ALARM_KINDS:
        kind = SensorKind.SELF_TEST  # the test button of a smoke/gas alarm: stored, not paged
    on = flag != (key in INVERTED)
    return Reading(kind, 1.0 if on else 0.0)


def _generic_alarm(key: str, value: object, binding: DeviceBinding, testing: bool) -> Reading:
    if binding.kind not in ALARM_KINDS:
        raise _Rejected(f"{key} needs the sensor registered with its kind (sos, water_leak, smoke, gas, "
                        f"carbon_monoxide) to be understood")
    kind = SensorKind.SELF_TEST if testing else binding.kind
    return Reading(kind, 1.0 if _flag(key, value) else 0.0)


def _action(value: object, binding: DeviceBinding) -> Reading | None:
    if not isinstance(value, str):
        raise _Rejected(f"action must be a string, got {show(value)}")
    action = value.strip().lower()
    if action == "":
        return None  # Zigbee2MQTT clears the action with an empty string after each press
    if action in SOS_ACTIONS or (binding.kind is SensorKind.SOS and action not in NOT_A_PRESS):
        return Reading(SensorKind.SOS, 1.0)
    if action in VIBRATION_ACTIONS:
        return Reading(SensorKind.VIBRATION, 1.0)
    return Reading(SensorKind.BUTTON, 1.0)


def _battery_word(key: str, value: object) -> str | None:
    if not isinstance(value, str):
        raise _Rejected(f"{key} must be a word such as low, medium or high, got {show(value)}")
    return f"{key.replace('_', ' ')} {value}" if value.lower() == "low" else None


def _read(key: str, value: object, binding: DeviceBinding, testing: bool) -> Reading | None:
    if key in BINARY:
        return _binary(key, value, binding, testing)
    if key in NUMERIC:
        kind, low, high = NUMERIC[key]
        return Reading(kind, _number(key, value, low, high))
    if key in GENERIC_ALARMS:
        return _generic_alarm(key, value, binding, testing)
    return _action(value, binding)


def _keep(readings: list[Reading], reading: Reading) -> None:
    # One reading per kind per report (the stored key allows no more): occupancy and presence, or an
    # SOS action and an sos flag, say the same thing; the higher value wins, so an alarm is never masked.
    for index, held in enumerate(readings):
        if held.kind is reading.kind:
            readings[index] = max(held, reading, key=lambda r: r.value)
            return
    readings.append(reading)


def understood(key: str) -> bool:
    """Whether this vocabulary knows the key (as a reading or as part of the envelope)."""
    return (key in BINARY or key in NUMERIC or key in GENERIC_ALARMS or key in ENVELOPE or key == "action"
            or key.startswith("action_"))


def read_fields(body: dict[str, object], binding: DeviceBinding) -> Fields:
    """Readings of every key this vocabulary knows; unusable and unknown keys are listed, never raised."""
    fields = Fields()
    testing = body.get("test") is True
    for key, value in body.items():
        if not understood(key):
            fields.unknown.append(key)
            continue
        if value is None:
            continue  # Zigbee2MQTT sends null for a value the device has not reported yet
        try:
            if key in ("battery_state", "battery_level"):
                fields.low_battery = _battery_word(key, value) or fields.low_battery
            elif key not in ENVELOPE and not key.startswith("action_"):
                reading = _read(key, value, binding, testing)
                if reading is not None:
                    _keep(fields.readings, reading)
        except _Rejected as exc:
            fields.rejected.append(str(exc))
    for reading in fields.readings:
        if reading.kind is SensorKind.BATTERY and reading.value < LOW_BATTERY_PERCENT:
            fields.low_battery = f"battery at {reading.value:g}%"
        elif reading.kind is SensorKind.BATTERY_LOW and reading.value > 0:
            fields.low_battery = fields.low_battery or "the device reports its battery low"
    return fields
