"""What a running solve tells its job: stages as they start, the best rota so far, when the first came."""

from __future__ import annotations

from rostering.model import ObjectiveBreakdown

from backend.domain.rostering.jobs import progress_values
from backend.domain.rostering.solving import SolveProgress, Throttled

BEST = ObjectiveBreakdown(travel_minutes=100.0, total_tardiness=2.5, max_tardiness=1.0, overtime_minutes=0.0,
                          unfamiliar_visits=0, unassigned_visits=0, total=102.5)


def test_a_new_stage_or_the_first_rota_always_passes_the_throttle() -> None:
    passed: list[SolveProgress] = []
    throttled = Throttled(passed.append, interval=3600)
    reports = [
        SolveProgress(0.0, 0, 0.1, None, "splitting the day into 7 patches"),
        SolveProgress(0.0, 0, 0.2, None, "first rota: building 7 patches"),
        SolveProgress(0.05, 0, 9.0, BEST, "first rota: building 7 patches", 9.0),  # the first valid rota
        SolveProgress(0.06, 0, 9.5, BEST, "first rota: building 7 patches", 9.0),  # a better one, too soon
        SolveProgress(0.07, 0, 10.0, BEST, "searching 7 patches", 9.0),
    ]
    for report in reports:
        throttled(report)
    assert passed == [reports[0], reports[1], reports[2], reports[4]]


def test_a_heartbeat_writes_the_stage_the_best_rota_so_far_and_the_first_valid_time() -> None:
    before = progress_values(None, 3.0, 60.0, 1, None)
    assert before["stage"] == "solving day 1 of 1" and before["progress"] == 0.05 and "result" not in before
    building = progress_values(SolveProgress(0.01, 0, 0.5, None, "first rota: building 7 patches"), 4.0, 60.0, 1, None)
    assert building["stage"] == "solving day 1 of 1: first rota: building 7 patches"
    assert building["result"] == {"best_so_far": None, "day": 0, "first_valid_s": None}
    found = progress_values(SolveProgress(0.5, 0, 30.0, BEST, "searching 7 patches", 9.0), 30.0, 60.0, 1, 11.2)
    assert found["progress"] == 0.5 and found["stage"] == "solving day 1 of 1: searching 7 patches"
    assert found["result"]["best_so_far"]["total"] == 102.5 and found["result"]["first_valid_s"] == 11.2
    second_day = progress_values(SolveProgress(0.6, 1, 1.0, BEST, "searching the whole day", 0.4), 70.0, 60.0, 2, 11.2)
    assert second_day["stage"] == "solving day 2 of 2: searching the whole day" and second_day["progress"] == 0.6
