"""Device silence: a sensor not heard from for longer than its kind allows is presumed offline."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sensors.adapters.base import DeviceStatus
from shared.enums import AlertKind, SensorKind
from shared.sensor_events import SensorEvent

# Zigbee devices check in at least hourly; a day's silence means a flat battery or lost link.
FALLBACK_SILENCE = timedelta(hours=25)
DEFAULT_SILENCE = {kind: FALLBACK_SILENCE for kind in SensorKind}
DEFAULT_SILENCE[SensorKind.POWER] = timedelta(hours=2)  # plugs report power continuously


def silence_limit(kind: str, limits: dict[SensorKind, timedelta] = DEFAULT_SILENCE) -> timedelta:
    """How long a sensor whose last reading was of ``kind`` may stay quiet (an unknown kind gets the fallback)."""
    try:
        return limits.get(SensorKind(kind), FALLBACK_SILENCE)
    except ValueError:
        return FALLBACK_SILENCE


class SilenceWatch:
    """Remembers when each device last spoke and reports each silence once."""

    def __init__(self, limits: dict[SensorKind, timedelta] | None = None) -> None:
        self._limits = limits or DEFAULT_SILENCE
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[datetime, SensorEvent]] = {}
        self._reported: set[tuple[str, str]] = set()

    def note(self, event: SensorEvent) -> None:
        """A device spoke (any field counts)."""
        key = (event.home, event.sensor)
        with self._lock:
            last = self._seen.get(key)
            if last is not None and event.time < last[0]:
                return  # a late redelivery (its time is the device's last_seen) is not news
            self._seen[key] = (event.time, event)
            self._reported.discard(key)

    def check(self, now: datetime) -> list[DeviceStatus]:
        """Devices whose silence passed their limit since the last check."""
        found = []
        with self._lock:
            for key, (last, event) in self._seen.items():
                limit = silence_limit(event.kind, self._limits)
                if key not in self._reported and now - last > limit:
                    self._reported.add(key)
                    found.append(DeviceStatus(home=event.home, sensor=event.sensor, room=event.room,
                                              kind=AlertKind.DEVICE_OFFLINE,
                                              detail=f"silent since {last.isoformat()}", time=now))
        return found
