"""Score the detectors on one home the way staff would meet them, three ways, each with 95 % intervals.

- online: the recording as it happened, learning from its own past; anomalies injected one
  per replay after a warm-up, findings on the clean replay counted per day;
- leave-one-day-out: each day at home replayed after all the others (a home whose detectors
  have seen the rest of the recording), clean and with a collapse injected into it;
- re-sampled weeks: new recordings of the same home laid from its days drawn with
  replacement (weekday/weekend kind and presence at the seams kept), scored online.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from statistics import mean
from typing import Any

from sensors.adapters.replay.recording import Recording
from sensors.detectors import DetectorAlert, ClientRules
from sensors.detectors.daytime import ONE_DAY
from sensors.evaluation import inject
from sensors.evaluation.days import CareDay, fits_after, resample, split_days, stitch, whole_days
from sensors.evaluation.inject import Injection, Timeline
from sensors.evaluation.intervals import mean_interval, proportion, rate, spread
from sensors.evaluation.replay import detect
from sensors.evaluation.scoring import CHECK_WAIT, Detection, count, detection, hours
from shared.enums import ResponseTier
from shared.sensor_events import SensorEvent

# Issue 17's targets on homes the detectors have never seen.
TARGETS = {"mean_time_to_detection_h": 3.0, "sensitivity": 0.9, "urgent_false_alarms_per_day": 0.05,
           "welfare_checks_per_day": 0.3}
_TRIES = 5000
Builder = Callable[[Timeline, datetime, random.Random], tuple[list[SensorEvent], Injection]]
KINDS: dict[str, tuple[inject.Placer, Builder, timedelta]] = {
    "collapse": (inject.place_collapse, lambda timeline, moment, rng: inject.collapse(timeline, moment),
                 inject.COLLAPSE_SPAN),
    "late_morning": (inject.place_late_morning, lambda timeline, moment, rng: inject.late_morning(timeline, moment),
                     inject.LATE_MORNING_SPAN),
    "night_wandering": (inject.place_wandering, inject.wandering, inject.WANDERING_SPAN),
}


def anomaly_figures(outcomes: list[tuple[Injection, Detection]], seed: int = 0) -> dict[str, Any]:
    """Detected of injected with its interval, and mean/max times to detection, to a check and to an alarm."""
    detected = [(injection, found) for injection, found in outcomes if found.at is not None]

    def times(pick: Callable[[Detection], datetime | None]) -> list[float]:
        return [hours(moment - injection.at) for injection, found in outcomes if (moment := pick(found)) is not None]

    return {
        "injected": len(outcomes),
        "detected": len(detected),
        "sensitivity": proportion(len(detected), len(outcomes)),
        "time_to_detection_h": mean_interval(times(lambda found: found.at), seed),
        "time_to_check_h": mean_interval(times(lambda found: found.check.at if found.check else None), seed),
        "time_to_urgent_h": mean_interval(times(lambda found: found.urgent.at if found.urgent else None), seed),
        "detected_by": dict(Counter(found.by for _, found in detected)),
    }


def daily_figures(alerts: list[DetectorAlert], days: float) -> dict[str, Any]:
    """Welfare checks and urgent false alarms a day on a replay with nothing injected."""
    return {
        "days": round(days, 2),
        "welfare_checks_per_day": rate(count(alerts, ResponseTier.CHECK), days, TARGETS["welfare_checks_per_day"]),
        "urgent_false_alarms_per_day": rate(count(alerts, ResponseTier.URGENT), days,
                                            TARGETS["urgent_false_alarms_per_day"]),
        "by_kind": dict(Counter(f"{alert.kind.value}:{alert.severity.value}" for alert in alerts)),
    }


class ReplayCounter:
    """Replays done against a planned total, reported as ``progress(done, total)`` after each one."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None = None) -> None:
        self.total, self.done, self._progress = max(1, total), 0, progress

    def tick(self) -> None:
        """One more replay (placements can fall short of the plan, so the count never passes it)."""
        self.done = min(self.done + 1, self.total)
        if self._progress is not None:
            self._progress(self.done, self.total)

    def finish(self) -> None:
        """Everything is done, whatever the plan expected."""
        self.done = self.total
        if self._progress is not None:
            self._progress(self.total, self.total)


class HomeEvaluation:
    """One home's recording: places anomalies, replays copies with them, and scores the findings."""

    def __init__(self, recording: Recording, rules: ClientRules | None = None, warmup_days: int = 7,
                 check_wait: timedelta = CHECK_WAIT, counter: ReplayCounter | None = None) -> None:
        self.counter = counter
        self.recording = recording
        self.rules = rules
        self.check_wait = check_wait
        self.timeline = Timeline(recording.events, recording.activities)
        self.start = recording.events[0].time
        self.end = recording.events[-1].time
        self.warmup_days = warmup_days

    @property
    def days(self) -> float:
        """Length of the recording in days."""
        return (self.end - self.start) / ONE_DAY

    def replay(self, events: list[SensorEvent]) -> list[DetectorAlert]:
        """Every finding on a replay of ``events``."""
        findings = detect(self.recording.home, events, self.rules)
        if self.counter is not None:
            self.counter.tick()
        return findings

    def placements(self, kind: str, count: int, rng: random.Random, earliest: datetime | None = None,
                   latest: datetime | None = None) -> list[datetime]:
        """Up to ``count`` onsets, at most one a day, between ``earliest`` and ``latest`` (room left for the window)."""
        placer, _, span = KINDS[kind]
        earliest = earliest or self.start + timedelta(days=self.warmup_days)
        latest = min(latest or self.end, self.end - span)
        chosen: list[datetime] = []
        for _ in range(_TRIES):
            if len(chosen) == count or latest <= earliest:
                break
            moment = placer(self.timeline, rng, earliest, latest)
            # One anomaly per day at most, so each run tests a fresh situation.
            if moment is not None and all(moment.date() != other.date() for other in chosen):
                chosen.append(moment)
        return sorted(chosen)

    def inject(self, kind: str, moment: datetime, rng: random.Random) -> tuple[Injection, Detection]:
        """Replay the recording with one anomaly of ``kind`` at ``moment`` and find its detection."""
        _, build, _ = KINDS[kind]
        events, injection = build(self.timeline, moment, rng)
        return injection, detection(self.replay(events), injection.at, injection.window_end, self.check_wait)

    def score(self, kind: str, count: int, rng: random.Random) -> list[tuple[Injection, Detection]]:
        """``count`` anomalies of one kind, one per replay."""
        return [self.inject(kind, moment, rng) for moment in self.placements(kind, count, rng)]


def evaluate_online(recording: Recording, count: int, seed: int, rules: ClientRules | None = None,
                    warmup_days: int = 7, counter: ReplayCounter | None = None) -> dict[str, Any]:
    """The recording as it happened: anomalies of each kind, and the clean replay's findings a day."""
    evaluation = HomeEvaluation(recording, rules, warmup_days, counter=counter)
    rng = random.Random(seed)
    report: dict[str, Any] = {kind: anomaly_figures(evaluation.score(kind, count, rng), seed) for kind in KINDS}
    clean = evaluation.replay(recording.events)
    report["clean_replay"] = daily_figures(clean, evaluation.days)
    after = evaluation.start + timedelta(days=warmup_days)
    report["clean_replay_after_warmup"] = daily_figures([a for a in clean if a.at >= after],
                                                         max(0.0, (evaluation.end - after) / ONE_DAY))
    return report


def _tail_for(days: list[CareDay], index: int) -> CareDay | None:
    """A day to lay after the tested one so time runs on past it: its own next day when that fits."""
    following = days[index + 1] if index + 1 < len(days) else None
    if following is not None and fits_after(days[index], following) and following.active:
        return following
    return next((day for day in days if day is not days[index] and fits_after(days[index], day) and day.active), None)


def _history_without(days: list[CareDay], index: int) -> list[CareDay]:
    """Every other day in order, ending on a day the person ended at home (trailing absences teach nothing)."""
    others = days[:index] + days[index + 1:]
    while others and not others[-1].home_at_end:
        others.pop()
    return others


def leave_one_day_out(recording: Recording, seed: int, rules: ClientRules | None = None,
                      min_history: int = 7, counter: ReplayCounter | None = None) -> dict[str, Any]:
    """Each day at home, replayed after every other day, clean and with a collapse injected into it.

    Taking out a day the person began and ended at home keeps the seams consistent; the day
    after it (or another that fits) follows it so time runs on past a collapse.
    """
    days = split_days(recording)
    whole = whole_days(days)
    rng = random.Random(seed)
    checks: list[int] = []
    urgents: list[int] = []
    outcomes: list[tuple[Injection, Detection]] = []
    for index, day in enumerate(days):
        history = _history_without(days, index)
        tail = _tail_for(days, index)
        if day not in whole or not (day.home_at_start and day.home_at_end and day.active) or tail is None \
                or sum(other.active for other in history) < min_history:
            continue
        stitched = stitch([*history, day, tail], days[0].start, recording.home)
        tested_start = days[0].start + len(history) * ONE_DAY
        evaluation = HomeEvaluation(stitched, rules, warmup_days=0, counter=counter)
        clean = evaluation.replay(stitched.events)
        checks.append(count(clean, ResponseTier.CHECK, tested_start, tested_start + ONE_DAY))
        urgents.append(count(clean, ResponseTier.URGENT, tested_start, tested_start + ONE_DAY))
        moments = evaluation.placements("collapse", 1, rng, tested_start, tested_start + ONE_DAY)
        outcomes.extend(evaluation.inject("collapse", moment, rng) for moment in moments)
    tested = len(checks)
    return {
        "days_tested": tested,
        "collapse": anomaly_figures(outcomes, seed),
        "welfare_checks_per_day": rate(sum(checks), tested, TARGETS["welfare_checks_per_day"]),
        "urgent_false_alarms_per_day": rate(sum(urgents), tested, TARGETS["urgent_false_alarms_per_day"]),
        "days_by_checks": {str(n): checks.count(n) for n in sorted(set(checks))},
    }


def resampled_weeks(recording: Recording, resamples: int, weeks: int, count: int, seed: int,
                    rules: ClientRules | None = None, warmup_days: int = 7,
                    counter: ReplayCounter | None = None) -> dict[str, Any]:
    """New recordings of ``weeks`` weeks laid from this home's days; each scored online with ``count`` collapses."""
    days = split_days(recording)
    whole = whole_days(days)
    rng = random.Random(seed)
    figures: dict[str, list[float]] = {key: [] for key in (
        "sensitivity", "mean_time_to_detection_h", "max_time_to_detection_h",
        "welfare_checks_per_day", "urgent_false_alarms_per_day")}
    detected = injected = 0
    for number in range(resamples):
        laid = stitch(resample(whole, weeks * 7, days[0].start, rng), days[0].start, f"{recording.home}#{number}")
        evaluation = HomeEvaluation(laid, rules, warmup_days, counter=counter)
        collapse = anomaly_figures(evaluation.score("collapse", count, rng), seed)
        clean = daily_figures(evaluation.replay(laid.events), evaluation.days)
        detected, injected = detected + collapse["detected"], injected + collapse["injected"]
        if collapse["sensitivity"]["value"] is not None:
            figures["sensitivity"].append(collapse["sensitivity"]["value"])
        if collapse["time_to_detection_h"]["mean"] is not None:
            figures["mean_time_to_detection_h"].append(collapse["time_to_detection_h"]["mean"])
            figures["max_time_to_detection_h"].append(collapse["time_to_detection_h"]["max"])
        for key in ("welfare_checks_per_day", "urgent_false_alarms_per_day"):
            figures[key].append(clean[key]["value"])
    report: dict[str, Any] = {"resamples": resamples, "weeks": weeks, "collapses_per_resample": count,
                              "collapses_detected": f"{detected} of {injected}"}
    report.update({key: spread(values) for key, values in figures.items()})
    report["share_meeting_targets"] = {
        key: round(mean(1.0 if (value <= TARGETS[key] if "per_day" in key else value < TARGETS[key]) else 0.0
                        for value in figures[key]), 3) if figures[key] else None
        for key in ("mean_time_to_detection_h", "welfare_checks_per_day", "urgent_false_alarms_per_day")}
    return report


def evaluate(recording: Recording, count: int, seed: int, rules: ClientRules | None = None, warmup_days: int = 7,
             resamples: int = 20, weeks: int = 4,
             progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """The whole report for one home: online, leave-one-day-out and re-sampled weeks.

    ``progress(done, total)`` is called after each replay (the total is planned up front).
    """
    evaluation = HomeEvaluation(recording, rules, warmup_days)
    per_resample = max(1, count // 4)
    counter = ReplayCounter(1 + len(KINDS) * count + 2 * len(split_days(recording))
                            + resamples * (1 + per_resample), progress)
    report: dict[str, Any] = {
        "home": recording.home, "days": round(evaluation.days, 2), "events": len(recording.events), "seed": seed,
        "warmup_days": warmup_days, "check_wait_minutes": CHECK_WAIT.total_seconds() / 60, "targets": TARGETS,
        "online": evaluate_online(recording, count, seed, rules, warmup_days, counter),
        "leave_one_day_out": leave_one_day_out(recording, seed, rules, counter=counter),
    }
    if resamples:
        report["resampled_weeks"] = resampled_weeks(recording, resamples, weeks, per_resample, seed, rules,
                                                    warmup_days, counter)
    counter.finish()
    return report
