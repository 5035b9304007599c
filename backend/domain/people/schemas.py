"""Response shapes of the people area (never the tag secret)."""

from __future__ import annotations

import msgspec


class ClientOut(msgspec.Struct):
    """A client as provider staff see them."""

    id: int
    provider_id: int
    ref: str
    name: str
    address: str
    postcode: str
    lat: float
    lon: float
    geofence_radius_m: float
    access_notes: str


class CarerOut(msgspec.Struct):
    """A carer as provider staff see them."""

    id: int
    provider_id: int
    ref: str
    name: str
    skills: list[str]
    contracted_hours: float
