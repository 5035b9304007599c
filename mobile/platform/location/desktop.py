"""Desktop positions: a fixed point, a simulated fix near the visit's home, or no fix at all."""

from __future__ import annotations

import math
import random

from mobile.platform.location import Fix, LocationProvider

METRES_PER_DEGREE = 111_320.0


class FixedLocation:
    """Always the same configured position (e.g. the office)."""

    def __init__(self, lat: float, lon: float, accuracy_m: float = 10.0) -> None:
        self.fix = Fix(lat, lon, accuracy_m)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def current(self, near: tuple[float, float] | None = None) -> Fix | None:
        return self.fix


class SimulatedLocation:
    """A plausible fix within ``spread_m`` of the place the carer is expected to be."""

    def __init__(self, spread_m: float = 25.0, accuracy_m: float = 12.0, rng: random.Random | None = None) -> None:
        self.spread_m, self.accuracy_m = spread_m, accuracy_m
        self.rng = rng or random.Random()

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def current(self, near: tuple[float, float] | None = None) -> Fix | None:
        if near is None:
            return None
        lat, lon = near
        distance = self.rng.uniform(0, self.spread_m)
        bearing = self.rng.uniform(0, 2 * math.pi)
        dlat = distance * math.cos(bearing) / METRES_PER_DEGREE
        dlon = distance * math.sin(bearing) / (METRES_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
        return Fix(lat + dlat, lon + dlon, self.accuracy_m)


class NoLocation:
    """No GPS at all (indoors, switched off): the carer must scan or check in manually."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def current(self, near: tuple[float, float] | None = None) -> Fix | None:
        return None


def from_setting(setting: str) -> LocationProvider:
    """Parse ``simulated``, ``none`` or ``fixed:LAT,LON[,ACCURACY]``."""
    setting = setting.strip().lower()
    if setting in ("", "simulated"):
        return SimulatedLocation()
    if setting == "none":
        return NoLocation()
    if setting.startswith("fixed:"):
        parts = [float(p) for p in setting.removeprefix("fixed:").split(",")]
        if len(parts) not in (2, 3):
            raise ValueError("fixed location is fixed:LAT,LON[,ACCURACY_M]")
        return FixedLocation(*parts)
    raise ValueError(f"unknown location setting {setting!r} (simulated, none or fixed:LAT,LON[,ACCURACY_M])")
