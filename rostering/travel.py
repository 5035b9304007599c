"""Travel times between locations, pluggable so a road-routing engine's matrix can be fed later.

``HaversineTravel`` estimates minutes from great-circle distance, a road factor and a speed per
mode; ``MatrixTravel`` serves a supplied matrix (for example from OSRM's table service).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rostering.model import Location

EARTH_RADIUS_KM = 6371.0088


class TravelModel(Protocol):
    """Anything that gives a matrix of travel minutes between points for a mode of travel."""

    def matrix(self, points: Sequence[Location], mode: str) -> list[list[float]]:
        """Minutes from ``points[a]`` to ``points[b]``."""
        ...


def haversine_km(a: Location, b: Location) -> float:
    """Great-circle distance in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def haversine_matrix_km(points: Sequence[Location]) -> np.ndarray:
    """Great-circle distances between every pair of points, vectorised (a city day has thousands)."""
    lat = np.radians([p.lat for p in points])
    lon = np.radians([p.lon for p in points])
    dlat = lat[None, :] - lat[:, None]
    dlon = lon[None, :] - lon[:, None]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


@dataclass(frozen=True, slots=True)
class HaversineTravel:
    """Straight-line distance × road factor at a mode's average speed (km/h)."""

    road_factor: float = 1.3
    speeds_kmh: dict[str, float] = field(default_factory=lambda: {"car": 30.0, "walk": 4.5, "bike": 14.0})

    def matrix(self, points: Sequence[Location], mode: str) -> list[list[float]]:
        """Minutes between every pair of points."""
        try:
            speed = self.speeds_kmh[mode]
        except KeyError:
            raise ValueError(f"unknown travel mode {mode!r}; known: {sorted(self.speeds_kmh)}") from None
        per_km = 60.0 / speed * self.road_factor
        return (haversine_matrix_km(points) * per_km).tolist()


@dataclass(frozen=True, slots=True)
class MatrixTravel:
    """A supplied matrix of minutes over known locations (the same for every mode)."""

    locations: Sequence[Location]
    minutes: Sequence[Sequence[float]]

    def matrix(self, points: Sequence[Location], mode: str) -> list[list[float]]:
        """The supplied minutes, re-indexed to ``points`` (each must be a known location)."""
        index = {loc: i for i, loc in enumerate(self.locations)}
        try:
            rows = [index[p] for p in points]
        except KeyError as exc:
            raise ValueError(f"no travel times for location {exc.args[0]}") from None
        return [[float(self.minutes[a][b]) for b in rows] for a in rows]
