"""The product API: each rostering constraint on small hand-made days, short time limits."""

from __future__ import annotations

import pytest

from rostering.model import BreakRule, Carer, Location, RosterOptions, RosterSolution, Service, StartedVisit, Visit, same_care
from rostering.roster import reroster, solve_day
from rostering.travel import HaversineTravel, MatrixTravel, haversine_km
from rostering.validation.roster import validate

OFFICE = Location(53.400, -2.980)


def _near(i: int) -> Location:
    return Location(53.400 + 0.003 * i, -2.980 + 0.002 * (i % 3))


def _carer(cid: str, skills: set[str] = frozenset(), **kw: object) -> Carer:
    return Carer(cid, frozenset(skills), 480, 1080, OFFICE, **kw)  # type: ignore[arg-type]


def _visit(vid: str, start: float, duration: float = 30.0, required_skills: frozenset[str] = frozenset(),
           carers_needed: int = 1, **kw: object) -> Visit:
    fields = {"client_id": f"client-{vid}", "location": _near(len(vid) + int(start) % 7), "earliest": start,
              "latest": start + 30}
    fields.update(kw)
    return Visit(vid, services=same_care(duration, required_skills, carers_needed), **fields)  # type: ignore[arg-type]


def _starts(solution: RosterSolution) -> dict[str, list[tuple[str, float]]]:
    found: dict[str, list[tuple[str, float]]] = {}
    for run in solution.runs:
        for v in run.visits:
            found.setdefault(v.visit_id, []).append((run.carer_id, v.start))
    return found


def test_haversine_and_matrix_travel() -> None:
    assert haversine_km(Location(53.0, -3.0), Location(54.0, -3.0)) == pytest.approx(111.2, abs=0.2)
    minutes = HaversineTravel(road_factor=1.0, speeds_kmh={"car": 60.0}).matrix([Location(53, -3), Location(54, -3)], "car")
    assert minutes[0][1] == pytest.approx(111.2, abs=0.2)
    a, b = Location(1, 1), Location(2, 2)
    assert MatrixTravel([a, b], [[0, 7], [9, 0]]).matrix([b, a], "car") == [[0.0, 9.0], [7.0, 0.0]]
    with pytest.raises(ValueError):
        HaversineTravel().matrix([a], "jetpack")


def test_skills_and_exclusions_decide_who_goes() -> None:
    visits = [
        _visit("hoist", 540, required_skills=frozenset({"hoist"})),
        _visit("meds", 600, required_skills=frozenset({"meds"}), client_id="grumpy"),
        _visit("nobody", 660, required_skills=frozenset({"pilot"})),
    ]
    carers = [_carer("ann", {"hoist"}), _carer("bob", {"meds"}, excluded_clients=frozenset({"grumpy"})), _carer("cy", {"meds"})]
    solution = solve_day(visits, carers, time_limit=0.5)
    starts = _starts(solution)
    assert [c for c, _ in starts["hoist"]] == ["ann"]
    assert [c for c, _ in starts["meds"]] == ["cy"]
    assert [(u.visit_id, u.reason) for u in solution.unassigned] == [("nobody", "no carer has the required skills: pilot")]
    assert solution.objective.unassigned_visits == 1


def test_double_handed_visits_get_two_carers_in_sync() -> None:
    visits = [
        _visit("together", 600, carers_needed=2),
        _visit("after", 700, carers_needed=2, sync="sequential", gap_min=10, gap_max=20),
        _visit("solo", 560),
    ]
    solution = solve_day(visits, [_carer("ann"), _carer("bob"), _carer("cy")], time_limit=0.5)
    starts = _starts(solution)
    (c1, t1), (c2, t2) = starts["together"]
    assert c1 != c2 and t1 == t2 >= 600
    (d1, s1), (d2, s2) = starts["after"]
    assert d1 != d2 and 10 <= abs(s2 - s1) <= 20
    assert not solution.unassigned


def test_double_handed_with_one_eligible_carer_is_unassigned_with_reason() -> None:
    visit = _visit("hoist", 600, carers_needed=2, required_skills=frozenset({"hoist"}))
    solution = solve_day([visit], [_carer("ann", {"hoist"}), _carer("bob")], time_limit=0.2)
    assert [u.reason for u in solution.unassigned] == ["needs two carers but only one carer is eligible"]


def test_each_carer_of_a_double_handed_visit_gives_their_own_service() -> None:
    # A bath: a hoist-trained carer for 45 minutes, a helper joining 10 to 15 minutes later for 20.
    bath = Visit("bath", "client-bath", _near(1), 600, 630, (Service(45.0, frozenset({"hoist"})), Service(20.0)),
                 sync="sequential", gap_min=10, gap_max=15)
    carers = [_carer("bob"), _carer("ann", {"hoist"})]
    solution = solve_day([bath], carers, time_limit=0.2)
    given = {run.carer_id: run.visits[0] for run in solution.runs if run.visits}
    assert (given["ann"].service, given["bob"].service) == (0, 1)
    assert given["ann"].end - given["ann"].start == 45 and given["bob"].end - given["bob"].start == 20
    assert 10 <= given["bob"].start - given["ann"].start <= 15
    assert validate([bath], carers, solution).valid


def test_earliest_is_hard_and_lateness_is_reported() -> None:
    # Two 60-minute visits with the same narrow window and one carer: the second must be late.
    visits = [_visit("a", 600, duration=60.0, latest=605), _visit("b", 600, duration=60.0, latest=605)]
    solution = solve_day(visits, [_carer("ann")], time_limit=0.3)
    starts = sorted(s for v in solution.runs[0].visits for s in [v.start])
    assert starts[0] >= 600
    assert solution.objective.max_tardiness == pytest.approx(starts[1] - 605)
    assert solution.objective.max_tardiness >= 55


def test_continuity_prefers_a_familiar_carer() -> None:
    visit = _visit("tea", 600, client_id="mrs-jones")
    carers = [_carer("ann"), _carer("bob")]
    options = RosterOptions(history={"mrs-jones": frozenset({"bob"})})
    solution = solve_day([visit], carers, options, time_limit=0.2)
    assert [c for c, _ in _starts(solution)["tea"]] == ["bob"]
    assert solution.objective.unfamiliar_visits == 0


def test_shift_end_costs_overtime_and_work_moves_to_a_free_carer() -> None:
    visit = _visit("late", 1060, duration=60.0)
    early_finisher = Carer("ann", frozenset(), 480, 1000, OFFICE)
    solution = solve_day([visit], [early_finisher, _carer("bob")], time_limit=0.2)
    assert [c for c, _ in _starts(solution)["late"]] == ["bob"]
    alone = solve_day([visit], [early_finisher], time_limit=0.2)
    assert alone.objective.overtime_minutes >= 120
    assert alone.runs[0].overtime == pytest.approx(alone.objective.overtime_minutes)


def test_reroster_keeps_started_visits_and_skips_sick_carers() -> None:
    visits = [_visit("v1", 540), _visit("v2", 600), _visit("v3", 660), _visit("v4", 720)]
    carers = [_carer("ann"), _carer("bob"), _carer("cy")]
    started = [StartedVisit("v1", ("ann",), 545.0)]
    solution = reroster(visits, carers, now=590, started=started, unavailable={"bob"}, time_limit=0.5)
    starts = _starts(solution)
    assert starts["v1"] == [("ann", 545.0)]
    assert all(c != "bob" for vid, entries in starts.items() if vid != "v1" for c, _ in entries)
    assert all(t >= 590 for vid, entries in starts.items() if vid != "v1" for _, t in entries)
    ann = next(r for r in solution.runs if r.carer_id == "ann")
    assert ann.visits[0].fixed and ann.visits[0].visit_id == "v1"
    assert not solution.unassigned


def test_reroster_still_places_a_visit_whose_window_has_closed() -> None:
    overdue = _visit("v0", 540)  # window 540-570, and it is now 600 with nobody started
    solution = reroster([overdue, _visit("v2", 660)], [_carer("ann")], now=600, time_limit=0.3)
    (carer, start), = _starts(solution)["v0"]
    assert carer == "ann" and start >= 600
    assert solution.objective.total_tardiness == pytest.approx(start - 600)  # lateness before now is sunk


def test_inconsistent_input_is_rejected() -> None:
    with pytest.raises(ValueError):
        solve_day([_visit("x", 600, carers_needed=3)], [_carer("ann")], time_limit=0.1)


def test_a_client_asking_for_a_female_carer_gets_one_or_a_reason() -> None:
    visit = _visit("wash", 600, client_id="mrs-khan", carer_gender="female")
    solution = solve_day([visit], [_carer("bob", gender="male"), _carer("ann", gender="female")], time_limit=0.2)
    assert [c for c, _ in _starts(solution)["wash"]] == ["ann"]
    alone = solve_day([visit], [_carer("bob", gender="male")], time_limit=0.2)
    assert [u.reason for u in alone.unassigned] == ["no female carer has the required skills"]


def test_each_carer_travels_by_their_own_mode() -> None:
    far = Location(OFFICE.lat + 0.045, OFFICE.lon)  # 5 km north: a quarter hour by car, over an hour on foot
    visit = _visit("far", 540, location=far, latest=560)
    walker = _carer("wendy", travel_mode="walk")
    walking = solve_day([visit], [walker], time_limit=0.2)
    assert walking.runs[0].visits[0].travel_minutes == pytest.approx(haversine_km(OFFICE, far) * 1.3 / 4.5 * 60, rel=1e-6)
    both = solve_day([visit], [walker, _carer("dan", travel_mode="car")], time_limit=0.2)
    assert [c for c, _ in _starts(both)["far"]] == ["dan"]
    assert both.objective.travel_minutes < walking.objective.travel_minutes / 5


def test_hard_shift_ends_leave_out_what_would_run_past_them() -> None:
    # Ann works 08:00-10:00; three visits need 150 minutes. Soft ends: all done, with overtime. Hard: one is left out.
    visits = [_visit("a", 480, duration=60.0), _visit("b", 540, duration=60.0), _visit("c", 560)]
    carers = [Carer("ann", frozenset(), 480, 600, OFFICE)]
    soft = solve_day(visits, carers, time_limit=0.3)
    assert not soft.unassigned and soft.objective.overtime_minutes > 0
    hard_options = RosterOptions(hard_shift_ends=True)
    assert {v.code for v in validate(visits, carers, soft, hard_options).violations} == {"shift-end"}
    hard = solve_day(visits, carers, hard_options, time_limit=0.3)
    assert [u.visit_id for u in hard.unassigned] == ["b"] and hard.unassigned[0].reason
    assert hard.objective.overtime_minutes == 0 and hard.objective.unassigned_visits == 1
    assert max(v.end for v in hard.runs[0].visits) <= 600
    assert validate(visits, carers, hard, hard_options).valid


def test_an_unpaid_break_is_placed_between_visits_within_its_window() -> None:
    # Ann works 08:00-18:00 with a 45-minute visit every hour: no 30-minute gap anywhere, so the break
    # (due between 11:00 and 15:00) makes the visits after it later, and the lateness is its cost.
    rule = BreakRule(shift_over=360, minutes=30, earliest=660, latest=900)
    visits = [_visit(f"v{hour}", hour * 60, duration=45.0, latest=hour * 60 + 10, location=OFFICE) for hour in range(8, 17)]
    carers = [_carer("ann")]
    without = solve_day(visits, carers, time_limit=0.3)
    options = RosterOptions(unpaid_break=rule)
    solution = solve_day(visits, carers, options, time_limit=0.3)
    run = solution.runs[0]
    assert run.break_start is not None and 660 <= run.break_start and run.break_start + 30 <= 900
    assert all(v.end <= run.break_start or v.start >= run.break_start + 30 for v in run.visits)
    assert solution.objective.break_minutes == 30 and without.objective.break_minutes == 0
    assert solution.objective.total > without.objective.total  # what the break costs
    assert validate(visits, carers, solution, options).valid
    assert {v.code for v in validate(visits, carers, without, options).violations} == {"break"}


def test_a_break_is_taken_before_setting_off_when_the_window_has_no_gap_and_late_shifts_owe_none() -> None:
    rule = BreakRule(shift_over=360, minutes=30, earliest=660, latest=900)
    sitting = _visit("sit", 600, duration=360.0, location=OFFICE)  # 10:00-16:00 covers the whole window
    evening = _visit("tea", 1020, location=OFFICE)
    carers = [_carer("ann"), Carer("bob", frozenset(), 930, 1380, OFFICE)]  # bob's 15:30-23:00 misses the window
    options = RosterOptions(unpaid_break=rule)
    solution = solve_day([sitting, evening], carers, options, time_limit=0.2)
    runs = {run.carer_id: run for run in solution.runs}
    assert runs["ann"].break_start == 660 and runs["ann"].visits[0].start == 690  # rested 11:00-11:30, then went
    assert runs["bob"].break_start is None and not solution.unassigned
    assert validate([sitting, evening], carers, solution, options).valid


def test_hard_shift_ends_hold_with_breaks() -> None:
    # Ann's 08:00-15:00 is filled by hourly hour-long visits; the break must fit too, so one is left out.
    rule = BreakRule(shift_over=360, minutes=30, earliest=660, latest=900)
    visits = [_visit(f"v{hour}", hour * 60, duration=60.0, latest=hour * 60 + 10, location=OFFICE) for hour in range(8, 15)]
    carers = [Carer("ann", frozenset(), 480, 900, OFFICE)]
    options = RosterOptions(unpaid_break=rule, hard_shift_ends=True)
    solution = solve_day(visits, carers, options, time_limit=0.3)
    assert validate(visits, carers, solution, options).valid
    assert solution.runs[0].break_start is not None and len(solution.unassigned) == 1
