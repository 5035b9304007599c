"""Where the phone is, asked only at the moment of check-in or check-out (never a trail)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from mobile.platform import on_android


@dataclass(frozen=True)
class Fix:
    """One position reading in WGS84 degrees, with its accuracy radius in metres."""

    lat: float
    lon: float
    accuracy_m: float

    def body(self) -> dict[str, float]:
        return {"lat": round(self.lat, 6), "lon": round(self.lon, 6), "accuracy_m": round(self.accuracy_m, 1)}


class LocationProvider(Protocol):
    """A source of position fixes."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def current(self, near: tuple[float, float] | None = None) -> Fix | None:
        """The latest fix, or None when there is none; ``near`` lets a simulator act plausibly."""
        ...


def create(setting: str | None = None) -> LocationProvider:
    """The platform's provider; on desktop ``setting`` (or ``DOMICARE_MOBILE_LOCATION``) chooses:
    ``simulated`` (default: a few metres from the visit's home), ``fixed:LAT,LON[,ACCURACY]`` or ``none``.
    """
    if on_android():
        from mobile.platform.location.android import AndroidLocation

        return AndroidLocation()
    from mobile.platform.location.desktop import from_setting

    return from_setting(setting if setting is not None else os.environ.get("DOMICARE_MOBILE_LOCATION", "simulated"))
