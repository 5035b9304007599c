"""Detectors on synthetic homes with a known routine, and the online (no look-ahead) guarantee."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sensors.detectors import ClientRules, DetectorKind, HomeMonitor
from sensors.detectors.roles import SensorRole, classify
from sensors.evaluation.replay import detect
from shared.enums import ResponseTier, SensorKind
from shared.sensor_events import SensorEvent

DAY0 = datetime(2024, 3, 4)
HOME = "home-7"


def ev(sensor: str, room: str, kind: SensorKind, value: float, at: datetime) -> SensorEvent:
    return SensorEvent(home=HOME, sensor=sensor, room=room, kind=kind, value=value, time=at, source="test")


def bed(value: float, at: datetime) -> SensorEvent:
    return ev("bed pad", "bedroom", SensorKind.PRESSURE, value, at)


def motion(room: str, at: datetime) -> list[SensorEvent]:
    return [ev(f"{room} pir", room, SensorKind.MOTION, 1, at), ev(f"{room} pir", room, SensorKind.MOTION, 0, at + timedelta(seconds=30))]


def seat(value: float, at: datetime) -> SensorEvent:
    return ev("armchair pad", "living", SensorKind.PRESSURE, value, at)


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


def test_collapse_after_a_learned_routine_is_checked_then_alarmed():
    events = days(10)
    collapse = DAY0 + timedelta(days=10, hours=11, minutes=5)
    events += [e for e in routine_day(DAY0 + timedelta(days=10)) if e.time < collapse]
    alerts = detect(HOME, events + [ev("kitchen pir", "kitchen", SensorKind.MOTION, 1, collapse + timedelta(hours=12))])
    check, urgent = [a for a in alerts if a.kind is DetectorKind.INACTIVITY]
    last_movement = collapse - timedelta(minutes=15)
    # The routine is never still for more than 20 minutes, so the floors apply: a check after an hour,
    # the urgent alarm after four.
    assert (check.severity, check.at) == (ResponseTier.CHECK, last_movement + timedelta(minutes=60))
    assert (urgent.severity, urgent.at) == (ResponseTier.URGENT, last_movement + timedelta(hours=4))
    assert check.explanation.startswith("no sign of life since 10:50 (last: kitchen pir, up and about), 1 h 00 min "
                                        "so far; at this time of day this home is usually active again within")
    assert "days of its own history" in check.explanation
    assert urgent.explanation.startswith("still no sign of life since 10:50 (last: kitchen pir, up and about) "
                                         "after 4 h 00 min, far beyond this home's usual")


def test_a_pad_let_go_then_silence_is_checked_sooner_than_the_same_silence_seated():
    """Getting up is normally followed by movement; sitting still on a pressed pad is ordinary."""
    def seated_afternoons(count: int) -> list[SensorEvent]:
        events = days(count)
        for offset in range(count):
            afternoon = DAY0 + timedelta(days=offset, hours=14)
            # Two to three hours in the chair, the room's motion sensor quiet meanwhile.
            events = [e for e in events if not afternoon <= e.time < afternoon + timedelta(hours=3, minutes=10)]
            events += [seat(1, afternoon), seat(0, afternoon + timedelta(hours=2, minutes=10 * (offset % 6))),
                       *motion("kitchen", afternoon + timedelta(hours=2, minutes=10 * (offset % 6) + 1))]
        return sorted(events, key=lambda e: e.time)

    day = DAY0 + timedelta(days=14)
    base = seated_afternoons(14) + [e for e in routine_day(day) if e.time < day + timedelta(hours=14)]
    seated = base + [seat(1, day + timedelta(hours=14)), *motion("kitchen", day + timedelta(hours=23))]
    fallen = base + [seat(1, day + timedelta(hours=14)), seat(0, day + timedelta(hours=14, minutes=5)),
                     *motion("kitchen", day + timedelta(hours=23))]

    def first_check(events: list[SensorEvent]) -> datetime:
        return next(a.at for a in detect(HOME, sorted(events, key=lambda e: e.time)) if a.at >= day)

    assert first_check(fallen) - (day + timedelta(hours=14, minutes=5)) <= timedelta(hours=1, minutes=30)
    assert first_check(seated) - (day + timedelta(hours=14)) >= timedelta(hours=3)


def test_a_pad_still_reading_pressed_while_someone_moves_elsewhere_is_not_sat_on():
    monitor = HomeMonitor(HOME)
    monitor.observe(seat(1, DAY0 + timedelta(hours=10)))
    assert monitor.state.context() == "seat"
    monitor.observe(motion("kitchen", DAY0 + timedelta(hours=10, minutes=5))[0])
    assert monitor.state.context() == "other"


def test_a_sensor_whose_first_message_is_only_its_battery_still_counts_its_motion():
    monitor = HomeMonitor(HOME)
    monitor.observe(seat(1, DAY0 + timedelta(hours=10)))
    monitor.observe(ev("kitchen pir", "kitchen", SensorKind.BATTERY, 90, DAY0 + timedelta(hours=10, minutes=1)))
    monitor.observe(ev("kitchen pir", "kitchen", SensorKind.TEMPERATURE, 19, DAY0 + timedelta(hours=10, minutes=2)))
    assert monitor.state.context() == "seat"  # neither is a sign of life
    monitor.observe(motion("kitchen", DAY0 + timedelta(hours=10, minutes=5))[0])
    assert monitor.state.context() == "other"  # its motion is: the person got up


def test_one_check_per_quiet_spell():
    """Late wake and inactivity both fall due on a silent morning: the person is asked once."""
    events = days(7)
    quiet_day = DAY0 + timedelta(days=7)
    events += [bed(0, quiet_day + timedelta(hours=13)), *motion("kitchen", quiet_day + timedelta(hours=13, minutes=5))]
    alerts = [a for a in detect(HOME, events) if a.at > quiet_day]
    checks = [a for a in alerts if a.severity is ResponseTier.CHECK]
    assert len(checks) == 1 and checks[0].kind is DetectorKind.LATE_WAKE
    assert all(a.explanation for a in alerts)


def test_silence_after_the_front_door_is_an_absence_not_a_collapse():
    events = days(10)
    last_day = DAY0 + timedelta(days=10)
    events += [e for e in routine_day(last_day) if e.time < last_day + timedelta(hours=11)]
    events += door(last_day + timedelta(hours=11))
    events += door(last_day + timedelta(days=2, hours=2))  # back 39 hours later
    events += motion("kitchen", last_day + timedelta(days=2, hours=2, minutes=1))
    assert [a for a in detect(HOME, events) if a.at > last_day] == []


def test_late_wake_is_a_check_well_after_the_usual_time():
    events = days(7)
    late_day = DAY0 + timedelta(days=7)
    events += [e for e in routine_day(late_day, wake=timedelta(hours=11))]
    alerts = [a for a in detect(HOME, events) if a.kind is DetectorKind.LATE_WAKE]
    # Up by 07:45 every day (the bathroom does not count as up): the check waits past the
    # predictive 98 % point of a model whose prior still doubts seven days, plus 30 minutes.
    (alert,) = alerts
    assert alert.severity is ResponseTier.CHECK
    assert late_day + timedelta(hours=9) < alert.at < late_day + timedelta(hours=10, minutes=30)
    assert "usually up by 07:4" in alert.explanation


def test_late_wake_waits_while_the_person_stirs():
    events = days(7)
    late_day = DAY0 + timedelta(days=7)
    stir = late_day + timedelta(hours=9, minutes=40)  # a toilet trip shortly before the deadline
    events += [bed(0, stir), *motion("bathroom", stir + timedelta(minutes=1)), bed(1, stir + timedelta(minutes=6))]
    events += [e for e in routine_day(late_day, wake=timedelta(hours=11))]
    (alert,) = [a for a in detect(HOME, sorted(events, key=lambda e: e.time)) if a.kind is DetectorKind.LATE_WAKE]
    assert alert.at == stir + timedelta(minutes=6) + timedelta(minutes=60)


def test_night_wandering_and_front_door_at_night():
    events = days(7)
    night = DAY0 + timedelta(days=7, hours=2, minutes=30)
    events += [bed(0, night)]
    for step in range(12):  # up and about every five minutes for an hour
        events += motion("kitchen" if step % 2 else "living", night + timedelta(minutes=2 + 5 * step))
    events += door(night + timedelta(hours=1, minutes=5))
    alerts = [a for a in detect(HOME, sorted(events, key=lambda e: e.time)) if a.at >= night]
    assert kinds(alerts) == [DetectorKind.NIGHT_WANDERING, DetectorKind.FRONT_DOOR_NIGHT]
    assert all(a.severity is ResponseTier.CHECK for a in alerts)
    # The first activity more than 30 minutes into the trip (which began at 02:32).
    assert alerts[0].at == night + timedelta(minutes=2 + 35)
    assert alerts[0].explanation.startswith("still up at 03:07: out of bed at night since 02:32")
    assert alerts[1].at == night + timedelta(hours=1, minutes=5)


def test_a_night_trip_that_goes_quiet_is_over():
    """Back to bed where no sensor sees it: no wandering check hours later."""
    events = days(7)
    night = DAY0 + timedelta(days=7, hours=1, minutes=30)
    events += [bed(0, night), *motion("bathroom", night + timedelta(minutes=1))]
    events = [e for e in events if not (night + timedelta(minutes=2) < e.time < night + timedelta(hours=4))
              or e.sensor != "bed pad"]
    assert [a for a in detect(HOME, sorted(events, key=lambda e: e.time))
            if a.kind is DetectorKind.NIGHT_WANDERING] == []


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
    (check,) = monitor.advance(start + timedelta(hours=6))
    # Nothing learned yet: the priors for a home "up and about" put the check between one and four hours.
    assert check.severity is ResponseTier.CHECK
    assert start + timedelta(hours=1) <= check.at <= start + timedelta(hours=4)
    assert check.at.utcoffset() == timedelta(hours=1)  # London summer time
    assert "since 10:00" in check.explanation and "little history of its own yet" in check.explanation
    (urgent,) = monitor.advance(start + timedelta(hours=30))
    assert urgent.severity is ResponseTier.URGENT and check.at < urgent.at <= start + timedelta(hours=24)


@pytest.mark.parametrize("cut", [600, 1300, 2000])
def test_no_look_ahead_on_the_real_recording(kasteren_path, cut):
    from sensors.adapters.replay.recording import load_recording

    events = load_recording(kasteren_path, "kasteren").events
    full = detect("k", events)
    prefix = detect("k", events[:cut])
    assert prefix == [a for a in full if a.at < events[cut - 1].time]
