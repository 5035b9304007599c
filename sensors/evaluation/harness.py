"""Score the detectors on a recording: time to detection, sensitivity and false alarms per day."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from statistics import mean, median
from typing import Any

from sensors.adapters.replay.recording import Recording
from sensors.detectors import DetectorAlert, ClientRules
from sensors.detectors.daytime import day_start_at
from sensors.evaluation import inject
from sensors.evaluation.inject import Injection, Timeline
from sensors.evaluation.replay import detect
from shared.sensor_events import SensorEvent

_TRIES = 5000


def _days(start: datetime, end: datetime) -> list[date]:
    return [start.date() + timedelta(days=offset) for offset in range((end.date() - start.date()).days + 1)]


def _touched(injection: Injection) -> set[date]:
    return set(_days(injection.at, injection.window_end))


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 3)


class Evaluation:
    """Injects anomalies of each kind one per replay and gathers the scores."""

    def __init__(self, recording: Recording, rules: ClientRules | None = None, warmup_days: int = 7,
                 on_replay: Callable[[int, int], None] | None = None) -> None:
        self.recording = recording
        self.rules = rules
        self.timeline = Timeline(recording.events, recording.activities)
        self.start = recording.events[0].time
        self.end = recording.events[-1].time
        self.warmup_days = warmup_days
        self.false_alarms: Counter[str] = Counter()
        self.untouched_days = 0
        self.on_replay = on_replay
        self.replays = 0
        self.planned_replays = 0

    def _placements(self, placer: inject.Placer, count: int, rng: random.Random, span: timedelta) -> list[datetime]:
        earliest = self.start + timedelta(days=self.warmup_days)
        latest = self.end - span
        chosen: list[datetime] = []
        for _ in range(_TRIES):
            if len(chosen) == count or latest <= earliest:
                break
            moment = placer(self.timeline, rng, earliest, latest)
            # One anomaly per day at most, so each run tests a fresh situation.
            if moment is not None and all(moment.date() != other.date() for other in chosen):
                chosen.append(moment)
        return sorted(chosen)

    def _run(self, events: list[SensorEvent], injection: Injection) -> DetectorAlert | None:
        alerts = detect(self.recording.home, events, self.rules)
        touched = _touched(injection)
        days = [day for day in _days(self.start, self.end) if day not in touched]
        self.untouched_days += len(days)
        for alert in alerts:
            if alert.at.date() not in touched:
                self.false_alarms[alert.kind.value] += 1
        return next((alert for alert in alerts if injection.at <= alert.at < injection.window_end), None)

    def score(self, kind: str, placer: inject.Placer, build: Callable[[datetime], tuple[list[SensorEvent], Injection]],
              count: int, rng: random.Random, span: timedelta) -> tuple[dict[str, Any], list[tuple[Injection, DetectorAlert | None]]]:
        """Inject ``count`` anomalies of one kind (one per replay) and time their detection."""
        outcomes = []
        for moment in self._placements(placer, count, rng, span):
            events, injection = build(moment)
            outcomes.append((injection, self._run(events, injection)))
            self.replays += 1
            if self.on_replay is not None:
                self.on_replay(self.replays, self.planned_replays)
        delays = [_hours(alert.at - injection.at) for injection, alert in outcomes if alert is not None]
        return {
            "injected": len(outcomes),
            "detected": len(delays),
            "sensitivity": round(len(delays) / len(outcomes), 3) if outcomes else None,
            "mean_time_to_detection_h": round(mean(delays), 3) if delays else None,
            "max_time_to_detection_h": max(delays) if delays else None,
            "detected_by": dict(Counter(alert.kind.value for _, alert in outcomes if alert is not None)),
        }, outcomes

    def usual_exit_minutes(self) -> float | None:
        """Median morning bed exit over the recording (minutes after midnight), the 'usual wake time'."""
        exits = []
        day = day_start_at(self.start, 4 * 60)
        while day < self.end:
            exit_time = inject.morning_exit(self.timeline, day)
            if exit_time is not None and self.timeline.at_home(day):
                exits.append(exit_time.hour * 60 + exit_time.minute)
            day += timedelta(days=1)
        return median(exits) if exits else None


def evaluate(recording: Recording, count: int, seed: int, rules: ClientRules | None = None,
             warmup_days: int = 7, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Inject ``count`` anomalies of each kind and report detection and false-alarm figures.

    ``progress(done, total)`` is called after each replay (one per injected anomaly).
    """
    evaluation = Evaluation(recording, rules, warmup_days, progress)
    evaluation.planned_replays = 3 * count
    timeline = evaluation.timeline
    rng = random.Random(seed)
    collapse, _ = evaluation.score(
        "collapse", inject.place_collapse, lambda moment: inject.collapse(timeline, moment),
        count, rng, inject.COLLAPSE_SPAN)
    late, late_outcomes = evaluation.score(
        "late_morning", inject.place_late_morning, lambda moment: inject.late_morning(timeline, moment),
        count, rng, inject.LATE_MORNING_SPAN)
    wander, _ = evaluation.score(
        "night_wandering", inject.place_wandering, lambda moment: inject.wandering(timeline, moment, rng),
        count, rng, inject.WANDERING_SPAN)
    usual = evaluation.usual_exit_minutes()
    if usual is not None:
        after_usual = [_hours(alert.at - alert.at.replace(hour=0, minute=0, second=0, microsecond=0)
                              - timedelta(minutes=usual)) for _, alert in late_outcomes if alert is not None]
        late["usual_wake_time"] = f"{int(usual) // 60:02d}:{int(usual) % 60:02d}"
        late["mean_delay_after_usual_wake_h"] = round(mean(after_usual), 3) if after_usual else None
        late["caught_within_2h_of_usual_wake"] = (
            round(sum(1 for delay in after_usual if delay <= 2) / late["injected"], 3) if late["injected"] else None)
    days = evaluation.untouched_days
    return {
        "home": recording.home,
        "days": len(_days(evaluation.start, evaluation.end)),
        "events": len(recording.events),
        "seed": seed,
        "warmup_days": warmup_days,
        "collapse": collapse,
        "late_morning": late,
        "night_wandering": wander,
        "untouched_days": days,
        "false_alarms_per_day": round(sum(evaluation.false_alarms.values()) / days, 4) if days else None,
        "inactivity_false_alarms_per_day": round(evaluation.false_alarms["inactivity"] / days, 4) if days else None,
        "false_alarms_by_kind": dict(evaluation.false_alarms),
    }
