"""Great-circle distance and geofence helpers (WGS84 degrees in, metres out)."""

from __future__ import annotations

import math

import msgspec

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius: error under 0.5% against the ellipsoid


class GeoPoint(msgspec.Struct, frozen=True):
    """A latitude/longitude pair in decimal degrees."""

    lat: float
    lon: float


def haversine_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance between two points in metres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
