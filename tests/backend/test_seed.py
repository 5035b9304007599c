"""The demo city generator: deterministic, inside Liverpool, with the promised logins and shape."""

from __future__ import annotations

from datetime import date, datetime, timezone

from fixtures.city import DEMO_LOGINS, generate_city
from shared.timekeeping import LONDON

NOW = datetime(2026, 3, 25, 11, 0, tzinfo=timezone.utc)  # a Wednesday, days after the clocks went forward
WEEK = date(2026, 3, 16)


def test_same_seed_gives_identical_rows_and_another_seed_differs() -> None:
    first = generate_city("small", 7, week_start=WEEK, now=NOW).tables
    again = generate_city("small", 7, week_start=WEEK, now=NOW).tables
    other = generate_city("small", 8, week_start=WEEK, now=NOW).tables
    assert first == again
    assert first["client"] != other["client"]


def test_homes_are_inside_liverpool_and_small_city_has_three_providers() -> None:
    city = generate_city("small", 1, week_start=WEEK, now=NOW)
    assert len(city.tables["provider"]) == 3
    for client in city.tables["client"]:
        assert 53.35 <= client["lat"] <= 53.48
        assert -3.02 <= client["lon"] <= -2.85
        assert client["geofence_radius_m"] == 150.0


def test_demo_logins_share_provider_one_and_carer_has_visits_today() -> None:
    city = generate_city("small", 1, week_start=WEEK, now=NOW)
    users = {u["username"]: u for u in city.tables["user"]}
    for username, role in DEMO_LOGINS.items():
        assert users[username]["role"] == str(role)
    assert {users[n]["provider_id"] for n in ("carer.demo", "supervisor.demo", "admin.demo")} == {1}
    assert users["commissioner.demo"]["authority_id"] == 1
    demo_carer = next(c for c in city.tables["carer"] if c["user_id"] == users["carer.demo"]["id"])
    today = NOW.astimezone(LONDON).date()
    todays = {v["id"] for v in city.tables["visit"] if v["visit_date"] == today}
    assert any(a["carer_id"] == demo_carer["id"] and a["visit_id"] in todays for a in city.tables["visitassignment"])


def test_past_days_are_delivered_with_a_realistic_mix_and_future_days_are_planned() -> None:
    city = generate_city("small", 1, week_start=WEEK, now=NOW)
    today = NOW.astimezone(LONDON).date()
    past = [v for v in city.tables["visit"] if v["visit_date"] < today]
    future = [v for v in city.tables["visit"] if v["visit_date"] >= today]
    assert {v["status"] for v in future} == {"planned"}
    statuses = [v["status"] for v in past]
    missed_share = statuses.count("missed") / len(statuses)
    assert 0.01 < missed_share < 0.06
    events = city.tables["visitevent"]
    unverified = [e for e in events if not e["verified"]]
    assert 0.02 < len(unverified) / len(events) < 0.08
    assert all(e["reason"] for e in unverified)
    double = [v for v in city.tables["visit"] if v["carers_needed"] == 2]
    assert double, "some visits are double-handed"


def test_planned_times_follow_london_wall_clock_across_the_clock_change() -> None:
    city = generate_city("small", 1, week_start=WEEK, now=NOW)
    template = next(t for t in city.tables["visittemplate"] if t["weekday"] == 6)  # Sundays: 22 and 29 March
    starts = [v["planned_start"] for v in city.tables["visit"] if v["template_id"] == template["id"]]
    local_minutes = {s.astimezone(LONDON).hour * 60 + s.astimezone(LONDON).minute for s in starts}
    assert local_minutes == {template["start_minute"]}
    assert len({s.utcoffset() for s in starts}) == 1 and len({s.astimezone(LONDON).utcoffset() for s in starts}) == 2
