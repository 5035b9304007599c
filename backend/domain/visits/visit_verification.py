"""Was the carer really at the client's home? GPS geofence and signed home tags.

Pure functions: no database, no web framework. Only a distance and a verdict
come out; the reported coordinates are never kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import msgspec

from shared.geo import GeoPoint, haversine_m

TAG_PREFIX = "DC1"


class Verdict(msgspec.Struct, frozen=True):
    """Outcome of checking one check-in or check-out."""

    verified: bool
    distance_m: float | None = None
    reason: str | None = None


def verify_gps(home: GeoPoint, radius_m: float, reported: GeoPoint, accuracy_m: float, accuracy_cap_m: float) -> Verdict:
    """Inside the geofence once the phone's stated accuracy is allowed for.

    A fix whose stated accuracy is worse than ``accuracy_cap_m`` proves nothing, wherever its point
    lies: a fix claiming ±3 km "at the door" could have been taken anywhere in the neighbourhood.
    It is unverified with reason ``poor_accuracy`` (``outside_geofence`` when even its accuracy
    circle misses the fence), and the carer can add better proof later in the visit.
    """
    distance = haversine_m(home, reported)
    accuracy = max(accuracy_m, 0.0)
    within = distance - accuracy <= radius_m
    if accuracy > accuracy_cap_m:
        return Verdict(False, round(distance, 1), "poor_accuracy" if within else "outside_geofence")
    if within:
        return Verdict(True, round(distance, 1))
    return Verdict(False, round(distance, 1), "outside_geofence")


def _signature(secret: str, provider_id: int, client_id: int, version: int) -> str:
    message = f"{TAG_PREFIX}.{provider_id}.{client_id}.{version}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_tag(secret: str, provider_id: int, client_id: int, version: int) -> str:
    """The content printed in a home's QR code or written to its NFC tag."""
    return f"{TAG_PREFIX}.{provider_id}.{client_id}.{version}.{_signature(secret, provider_id, client_id, version)}"


def verify_tag(tag: str, *, secret: str, provider_id: int, client_id: int, version: int) -> Verdict:
    """Whether a scanned tag is this home's current tag, with the reason when it is not."""
    parts = tag.strip().split(".")
    if len(parts) != 5 or parts[0] != TAG_PREFIX or not all(p.isdigit() for p in parts[1:4]):
        return Verdict(False, None, "tag_unreadable")
    tag_provider, tag_client, tag_version = (int(p) for p in parts[1:4])
    if (tag_provider, tag_client) != (provider_id, client_id):
        return Verdict(False, None, "tag_other_home")
    if not hmac.compare_digest(parts[4], _signature(secret, provider_id, client_id, tag_version)):
        return Verdict(False, None, "tag_forged")
    if tag_version != version:
        return Verdict(False, None, "tag_rotated")
    return Verdict(True)
