"""Table-driven checks of the geofence and home-tag rules."""

from __future__ import annotations

import pytest

from backend.domain.visits.visit_verification import make_tag, verify_gps, verify_tag
from shared.geo import GeoPoint

HOME = GeoPoint(53.4084, -2.9916)
METRE_LAT = 1 / 111_195  # degrees of latitude per metre


def north(metres: float) -> GeoPoint:
    return GeoPoint(HOME.lat + metres * METRE_LAT, HOME.lon)


@pytest.mark.parametrize(
    ("case", "distance_m", "accuracy_m", "verified", "reason"),
    [
        ("at the door", 5, 10, True, None),
        ("inside the fence", 120, 15, True, None),
        ("just inside the edge", 149, 0, True, None),
        ("just outside the edge", 152, 0, False, "outside_geofence"),
        ("outside but accuracy covers it", 200, 60, True, None),
        ("far outside with good accuracy", 400, 10, False, "outside_geofence"),
        ("far outside claiming huge accuracy", 400, 2_000, False, "poor_accuracy"),
        ("at the door but a 3 km fix", 5, 3_000, False, "poor_accuracy"),
        ("inside the fence, accuracy just worse than the cap", 20, 101, False, "poor_accuracy"),
        ("inside the fence, accuracy at the cap", 20, 100, True, None),
        ("accuracy allowance is capped", 260, 150, False, "poor_accuracy"),
        ("capped allowance still too far", 400, 150, False, "outside_geofence"),
        ("in the next town", 5_000, 30, False, "outside_geofence"),
    ],
)
def test_gps_geofence(case: str, distance_m: float, accuracy_m: float, verified: bool, reason: str | None) -> None:
    verdict = verify_gps(HOME, 150, north(distance_m), accuracy_m, accuracy_cap_m=100)
    assert verdict.verified is verified, case
    assert verdict.reason == reason, case
    assert verdict.distance_m == pytest.approx(distance_m, abs=1.0)


SECRET = "a" * 32
GOOD = make_tag(SECRET, 1, 10, 3)


@pytest.mark.parametrize(
    ("case", "tag", "verified", "reason"),
    [
        ("this home's current tag", GOOD, True, None),
        ("tag of another home", make_tag(SECRET, 1, 11, 3), False, "tag_other_home"),
        ("tag of another provider", make_tag(SECRET, 2, 10, 3), False, "tag_other_home"),
        ("old version after rotation", make_tag(SECRET, 1, 10, 2), False, "tag_rotated"),
        ("forged signature", GOOD[:-4] + "AAAA", False, "tag_forged"),
        ("signed with another secret", make_tag("b" * 32, 1, 10, 3), False, "tag_forged"),
        ("not a tag at all", "https://example.org/x", False, "tag_unreadable"),
        ("empty", "", False, "tag_unreadable"),
    ],
)
def test_home_tags(case: str, tag: str, verified: bool, reason: str | None) -> None:
    verdict = verify_tag(tag, secret=SECRET, provider_id=1, client_id=10, version=3)
    assert (verdict.verified, verdict.reason) == (verified, reason), case
