"""Detector figures on synthetic homes the detectors were never tuned on (issue 17's generalisation check).

Run: ``.venv/bin/python bench/sensors_generalisation.py [--homes N] [--days D] [--inject K] [--seed S]``.
Prints one JSON line per home (its kit, collapses detected, mean/max time to detection,
welfare checks and urgent false alarms a day on the clean replay) and a summary line
over all homes, with 95 % intervals on the pooled rates.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

from sensors.evaluation.harness import TARGETS, evaluate_online  # noqa: E402
from sensors.evaluation.intervals import mean_interval, proportion, rate  # noqa: E402
from sensors.evaluation.synthetic import synthetic_home  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=12)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--inject", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    detected = injected = checks = urgents = 0
    days = 0.0
    home_means: list[float] = []
    for number in range(args.homes):
        recording = synthetic_home(number, args.days, args.seed)
        report = evaluate_online(recording, args.inject, args.seed + number)
        collapse, clean = report["collapse"], report["clean_replay"]
        sensors = sorted({event.sensor for event in recording.events})
        line = {"home": recording.home, "sensors": sensors, "collapses": f'{collapse["detected"]} of {collapse["injected"]}',
                "time_to_detection_h": collapse["time_to_detection_h"],
                "welfare_checks_per_day": clean["welfare_checks_per_day"]["value"],
                "urgent_false_alarms_per_day": clean["urgent_false_alarms_per_day"]["value"], "by_kind": clean["by_kind"]}
        print(json.dumps(line))
        detected, injected = detected + collapse["detected"], injected + collapse["injected"]
        checks += clean["welfare_checks_per_day"]["count"]
        urgents += clean["urgent_false_alarms_per_day"]["count"]
        days += clean["days"]
        if collapse["time_to_detection_h"]["mean"] is not None:
            home_means.append(collapse["time_to_detection_h"]["mean"])
    print(json.dumps({
        "summary": f"{args.homes} synthetic homes x {args.days} days", "sensitivity": proportion(detected, injected),
        "per_home_mean_time_to_detection_h": mean_interval(home_means),
        "homes_under_3h": sum(1 for value in home_means if value < TARGETS["mean_time_to_detection_h"]),
        "welfare_checks_per_day": rate(checks, days, TARGETS["welfare_checks_per_day"]),
        "urgent_false_alarms_per_day": rate(urgents, days, TARGETS["urgent_false_alarms_per_day"])}))


if __name__ == "__main__":
    main()
