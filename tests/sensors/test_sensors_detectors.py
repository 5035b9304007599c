"""Detectors on synthetic homes with a known routine, and the online (no look-ahead) guarantee."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sensors.detectors import ClientRules, DetectorKind, HomeMonitor
from sensors.detectors.roles import SensorRole, classify
from sensors.evaluation.replay import detect
from shared.enums import AlertSeverity, SensorKind
from shared.sensor_events import SensorEvent

DAY0 = datetime(2024, 3, 4)
HOME = "home-7"


def ev(sensor: str, room: str, kind: SensorKind, value: float, at: datetime) -> SensorEvent:
    return SensorEvent(home=HOME, sensor=sensor, room=room, kind=kind, value=value, time=at, source="test")


def bed(value: float, at: datetime) -> SensorEvent:
    return ev("bed pad", "bedroom", SensorKind.PRESSURE, value, at)


def motion(room: str, at: datetime) -> list[SensorEvent]:
    return [ev(f"{room} pir", room, SensorKind.MOTION, 1, at), ev(f"{room} pir", room, SensorKind.MOTION, 0, at + timedelta(seconds=30))]


def door(at: datetime) -> list[SensorEvent]:
    return [ev("front door", "entrance", SensorKind.CONTACT, 1, at), ev("front door", "entrance", SensorKind.CONTACT, 0, at + timedelta(seconds=10))]


def routine_day(day: datetime, wake: timedelta = timedelta(hours=7, minutes=30), night_visits: int = 1) -> list[SensorEvent]:
    """Up at 07:30, kitchen, moving every 20 minutes until 22:40, bathroom trips at night."""
    events = [bed(0, day + wake)]
    events += motion("bathroom", day + wake + timedelta(minutes=2))
    events += motion("kitchen", day + wake + timedelta(minutes=15))
    moment = day + wake + timedelta(minutes=40)
    while moment < day + timedelta(hours=22, minutes=30):
        events += motion("living" if moment.minute < 30 else "kitchen", moment)
        moment += timedelta(minutes=20)
    events.append(bed(1, day + timedelta(hours=22, minutes=40)))
    for visit in range(night_visits):
        trip = day + timedelta(days=1, hours=1 + visit)
        events += [bed(0, trip), *motion("bathroom", trip + timedelta(minutes=1)), bed(1, trip + timedelta(minutes=5))]
    return events


def days(count: int, **kwargs) -> list[SensorEvent]:  # type: ignore[no-untyped-def]
    events = [bed(1, DAY0 - timedelta(hours=1))]
    for offset in range(count):
        events += routine_day(DAY0 + timedelta(days=offset), **kwargs)
    return sorted(events, key=lambda e: e.time)


def kinds(alerts) -> list[DetectorKind]:  # type: ignore[no-untyped-def]
    return [a.kind for a in alerts]


def test_roles_from_room_and_kind():
    assert classify(bed(1, DAY0)) is SensorRole.BED
    assert classify(ev("Seat", "living", SensorKind.PRESSURE, 1, DAY0)) is SensorRole.SEAT
    assert classify(door(DAY0)[0]) is SensorRole.FRONT_DOOR
    assert classify(ev("Frontdoor", "entrance", SensorKind.CONTACT, 1, DAY0)) is SensorRole.FRONT_DOOR
    assert classify(ev("hall pir", "entrance", SensorKind.MOTION, 1, DAY0)) is SensorRole.DAY_ROOM
    assert classify(ev("t", "kitchen", SensorKind.TEMPERATURE, 20, DAY0)) is SensorRole.IGNORED


def test_a_normal_fortnight_raises_nothing():
    assert detect(HOME, days(14)) == []


def test_collapse_after_a_learned_routine_is_caught_within_the_hour():
    events = days(10)
    collapse = DAY0 + timedelta(days=10, hours=11, minutes=5)
    events += [e for e in routine_day(DAY0 + timedelta(days=10)) if e.time < collapse]
    alerts = detect(HOME, events + [ev("kitchen pir", "kitchen", SensorKind.MOTION, 1, collapse + timedelta(hours=12))])
    (alert,) = [a for a in alerts if a.kind is DetectorKind.INACTIVITY]
    # Last movement 10:50; the routine never goes quiet for more than 20 minutes, so the 90 min floor applies.
    assert alert.at == collapse - timedelta(minutes=15) + timedelta(minutes=90)
    assert alert.severity is AlertSeverity.URGENT
    assert alert.explanation.startswith("no activity since 10:50 (last: kitchen pir, up and about); usually active again within")


def test_silence_after_the_front_door_is_an_absence_not_a_collapse():
    events = days(10)
    last_day = DAY0 + timedelta(days=10)
    events += [e for e in routine_day(last_day) if e.time < last_day + timedelta(hours=11)]
    events += door(last_day + timedelta(hours=11))
    events += door(last_day + timedelta(days=2, hours=2))  # back 39 hours later
    events += motion("kitchen", last_day + timedelta(days=2, hours=2, minutes=1))
    assert [a for a in detect(HOME, events) if a.at > last_day] == []


def test_late_wake_fires_at_the_usual_time_plus_margin():
    events = days(7)
    late_day = DAY0 + timedelta(days=7)
    events += [e for e in routine_day(late_day, wake=timedelta(hours=11))]
    alerts = [a for a in detect(HOME, events) if a.kind is DetectorKind.LATE_WAKE]
    # Usually first in the kitchen at 07:45 (the bathroom does not count as up); margin 45 min.
    assert [a.at for a in alerts] == [late_day + timedelta(hours=8, minutes=30)]
    assert "usually up by 07:45" in alerts[0].explanation


def test_night_wandering_and_front_door_at_night():
    events = days(7)
    night = DAY0 + timedelta(days=7, hours=2, minutes=30)
    events += [bed(0, night), *motion("kitchen", night + timedelta(minutes=2)), *door(night + timedelta(minutes=10))]
    events += motion("living", night + timedelta(minutes=50))
    alerts = [a for a in detect(HOME, events) if a.at >= night]
    assert kinds(alerts) == [DetectorKind.FRONT_DOOR_NIGHT, DetectorKind.NIGHT_WANDERING]
    assert alerts[0].at == night + timedelta(minutes=10)
    assert alerts[1].at == night + timedelta(minutes=2 + 30)
    assert "out of bed at night since 02:32" in alerts[1].explanation


def test_no_kitchen_by_midday():
    events = days(6)
    day = DAY0 + timedelta(days=6)
    events += [e for e in routine_day(day) if e.room != "kitchen"]
    alerts = [a for a in detect(HOME, sorted(events, key=lambda e: e.time)) if a.kind is DetectorKind.NO_KITCHEN]
    assert [a.at for a in alerts] == [day + timedelta(hours=12)]


def test_rising_night_bathroom_visits_raise_a_trend_alert():
    events = days(10, night_visits=1)
    for offset in range(10, 13):
        events += routine_day(DAY0 + timedelta(days=offset), night_visits=4)
    events += routine_day(DAY0 + timedelta(days=13))  # the morning after closes the third night
    alerts = [a for a in detect(HOME, sorted(events, key=lambda e: e.time)) if a.kind is DetectorKind.NIGHT_BATHROOM_TREND]
    assert len(alerts) == 1
    assert "averaged 4.0 over the last 3 nights against 1.0" in alerts[0].explanation


def test_muted_detectors_stay_silent():
    events = days(7) + routine_day(DAY0 + timedelta(days=7), wake=timedelta(hours=11))
    rules = ClientRules(muted=frozenset({DetectorKind.LATE_WAKE, DetectorKind.INACTIVITY}))
    assert detect(HOME, events, rules) == []


def test_live_aware_times_come_back_aware():
    monitor = HomeMonitor(HOME)
    start = datetime(2024, 6, 1, 9, 0, tzinfo=timezone.utc)
    monitor.observe(ev("kitchen pir", "kitchen", SensorKind.MOTION, 1, start))
    (alert,) = monitor.advance(start + timedelta(hours=6))
    assert alert.at == start + timedelta(hours=4)  # the prior for "up and about" before anything is learned
    assert alert.at.utcoffset() == timedelta(hours=1)  # London summer time
    assert "since 10:00" in alert.explanation


@pytest.mark.parametrize("cut", [600, 1300, 2000])
def test_no_look_ahead_on_the_real_recording(kasteren_path, cut):
    from sensors.adapters.replay.recording import load_recording

    events = load_recording(kasteren_path, "kasteren").events
    full = detect("k", events)
    prefix = detect("k", events[:cut])
    assert prefix == [a for a in full if a.at < events[cut - 1].time]
