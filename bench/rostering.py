"""Rostering benchmark: solve every instance in the data folder and report the gap to best-known.

Usage: python bench/rostering.py [--time-limit 30] [--large-time-limit 60] [--data DIR] [--seed 0] [--only SUBSTRING]
                                 [--city] [--city-time-limit 300] [--city-variant plain|female|...|breaks]...
Prints one JSON line per instance (gap, vehicles, time to the first valid solution, peak memory),
then a summary line. ``--city`` solves only the generated city-scale provider day (1,500 visits,
180 carers, from the demo city) and checks it with the product validator. Each instance runs in a fresh process so its peak memory is its own.
Instances with more than 100 patients get ``--large-time-limit``. The data folder defaults to
../shared/data/rostering beside the repository (or $DOMICARE_ROSTERING_DATA).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rostering.benchmark import InstanceError, read_instance, solve_file  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "rostering"
SOLOMON_TARGET_PCT = 1.0
HHCRSP_TARGET_PCT = 3.0
HHCRSP_LARGE_TARGET_PCT = 5.0
LARGE_PATIENTS = 100  # above this many patients the larger time limit and target apply


def parse_best_known(path: Path) -> dict[str, dict[str, float]]:
    """Best-known figures by lower-case instance name, from the markdown tables of BEST_KNOWN.md."""
    best: dict[str, dict[str, float]] = {}
    section = ""
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            section = "solomon" if "Solomon" in line else "hhcrsp" if "HHCRSP" in line else ""
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not section or not line.startswith("|") or cells[0] in ("instance", "") or set(cells[0]) <= set("-:"):
            continue
        numbers = [_number(c) for c in cells[1:]]
        if section == "solomon" and len(numbers) >= 2 and None not in numbers[:2]:
            best[cells[0].lower()] = {"vehicles": numbers[0], "distance": numbers[1]}  # type: ignore[dict-item]
        elif section == "hhcrsp" and numbers and numbers[-1] is not None:
            best[cells[0].lower()] = {"total_cost": numbers[-1]}
    return best


def _number(cell: str) -> float | None:
    match = re.match(r"^\s*(-?\d+(?:\.\d+)?)", cell)
    return float(match.group(1)) if match else None


def instance_files(data: Path) -> list[Path]:
    """Every Solomon or HHCRSP instance under the data folder (solution files are skipped)."""
    found = []
    for path in sorted(data.rglob("*.json")):
        try:
            read_instance(path)
        except InstanceError:
            continue
        found.append(path)
    return found


def gap_record(kind: str, figures: dict[str, float], best: dict[str, float] | None, target_pct: float) -> dict[str, Any]:
    """Gap to best-known (percent) and whether the target is met."""
    if best is None:
        return {"best_known": None, "gap_pct": None, "target_met": None}
    if kind == "solomon":
        gap = 100.0 * (figures["distance"] / best["distance"] - 1.0)
        same_fleet = figures["vehicles"] <= best["vehicles"]
        return {
            "best_known": best,
            "vehicle_gap": figures["vehicles"] - best["vehicles"],
            "gap_pct": round(gap, 3),
            "target_met": same_fleet and gap <= target_pct,
        }
    gap = 100.0 * (figures["total_cost"] / best["total_cost"] - 1.0)
    return {"best_known": best, "gap_pct": round(gap, 3), "target_met": gap <= target_pct}


def size_of(path: Path) -> int:
    """Customers (Solomon) or patients (HHCRSP) in the instance."""
    _, document = read_instance(path)
    if "patients" in document:
        return len(document["patients"])
    return len(document["customers"]) - 1  # the depot is not a customer


def run_one(path: Path, time_limit: float, seed: int) -> dict[str, Any]:
    """Solve one instance (in a fresh worker process) and measure it."""
    first: list[float] = []

    def progress(elapsed: float, figures: dict[str, float]) -> None:
        if not first:
            first.append(elapsed)

    began = time.monotonic()
    result = solve_file(path, time_limit, seed, progress)
    seconds = time.monotonic() - began
    return {
        "instance": result.name,
        "format": result.format,
        "time_limit": time_limit,
        "seconds": round(seconds, 2),
        "first_valid_s": round(first[0], 2) if first and result.valid else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "valid": result.valid,
        **{k: round(v, 3) for k, v in result.figures.items()},
    }


CITY_VARIANTS = ("plain", "female", "walking", "continuity", "shifts", "hard-ends", "breaks")


def city_variant(name: str, seed: int):  # type: ignore[no-untyped-def]
    """The city day with one care constraint switched on, to measure what it costs.

    female: 4 in 5 carers are women and 1 in 5 clients ask for a female carer; walking: 1 in 5
    carers walk; continuity: each client knows two carers, and any other costs the continuity weight;
    shifts: carers work 9 hours, alternately 06:30-15:30 and 13:30-22:30 (overtime costed); hard-ends:
    the same shifts with hard ends; breaks: the same shifts with a 30-minute unpaid break between 11:00 and 15:00.
    """
    import dataclasses
    import random

    from fixtures.rostering_day import city_day
    from rostering.model import BreakRule, RosterOptions

    visits, carers = city_day(seed=seed)
    rng = random.Random(seed)
    options = RosterOptions(seed=seed)
    if name == "female":
        carers = [dataclasses.replace(c, gender="female" if rng.random() < 0.8 else "male") for c in carers]
        asking = {client for client in sorted({v.client_id for v in visits}) if rng.random() < 0.2}
        visits = [dataclasses.replace(v, carer_gender="female") if v.client_id in asking else v for v in visits]
    elif name == "walking":
        carers = [dataclasses.replace(c, travel_mode="walk") if rng.random() < 0.2 else c for c in carers]
    elif name == "continuity":
        history = {}
        for visit in visits:
            if visit.client_id not in history:
                able = [c.id for c in carers if visit.services[0].skills <= c.skills]
                history[visit.client_id] = frozenset(rng.sample(able, min(2, len(able))))
        options = RosterOptions(seed=seed, history=history)
    elif name in ("shifts", "hard-ends", "breaks"):
        halves = ((390.0, 930.0), (810.0, 1350.0))
        carers = [dataclasses.replace(c, shift_start=halves[i % 2][0], shift_end=halves[i % 2][1]) for i, c in enumerate(carers)]
        rule = BreakRule(shift_over=360.0, minutes=30.0, earliest=660.0, latest=900.0) if name == "breaks" else None
        options = RosterOptions(seed=seed, hard_shift_ends=name == "hard-ends", unpaid_break=rule)
    return visits, carers, options


def run_city(time_limit: float, seed: int, variant: str = "plain") -> dict[str, Any]:
    """Solve the generated city day (in a fresh worker process) and measure it."""
    from rostering.roster import solve_day
    from rostering.validation.roster import validate

    visits, carers, options = city_variant(variant, seed)
    first: list[float] = []
    began = time.monotonic()
    solution = solve_day(visits, carers, options, time_limit, lambda elapsed, _: first.append(elapsed))
    seconds = time.monotonic() - began
    report = validate(visits, carers, solution, options)
    objective = solution.objective
    return {
        "instance": "city-day", "variant": variant, "visits": len(visits), "carers": len(carers),
        "double_handed": sum(v.carers_needed == 2 for v in visits), "time_limit": time_limit,
        "seconds": round(seconds, 2), "first_valid_s": round(first[0], 2) if first else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        # The largest patch worker (they run ``workers`` at a time beside this process).
        "peak_rss_worker_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "valid": report.valid, "violations": [f"{v.code}: {v.message}" for v in report.violations[:3]],
        "travel_minutes": round(objective.travel_minutes, 1), "total_tardiness": round(objective.total_tardiness, 1),
        "max_tardiness": round(objective.max_tardiness, 1), "overtime_minutes": round(objective.overtime_minutes, 1),
        "unfamiliar_visits": objective.unfamiliar_visits, "unassigned_visits": objective.unassigned_visits,
        "break_minutes": objective.break_minutes,
        "total": round(objective.total, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit code 1 if any solution is invalid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--large-time-limit", type=float, default=60.0, help=f"for more than {LARGE_PATIENTS} patients")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("DOMICARE_ROSTERING_DATA", DEFAULT_DATA)))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="run only instances whose path under the data folder contains this")
    parser.add_argument("--city", action="store_true", help="solve only the generated city-scale provider day")
    parser.add_argument("--city-time-limit", type=float, default=300.0)
    parser.add_argument("--city-variant", choices=CITY_VARIANTS, action="append",
                        help="with --city: the day with one care constraint on (repeatable; default plain)")
    args = parser.parse_args(argv)
    if args.city:
        rows = []
        for variant in args.city_variant or ["plain"]:
            with ProcessPoolExecutor(max_workers=1) as pool:
                rows.append(pool.submit(run_city, args.city_time_limit, args.seed, variant).result())
            print(json.dumps(rows[-1]), flush=True)
        return 0 if all(row["valid"] for row in rows) else 1
    best_known = parse_best_known(args.data / "BEST_KNOWN.md")
    rows = []
    for path in instance_files(args.data):
        if args.only.lower() not in str(path.relative_to(args.data)).lower():
            continue
        large = size_of(path) > LARGE_PATIENTS
        with ProcessPoolExecutor(max_workers=1) as pool:
            row = pool.submit(run_one, path, args.large_time_limit if large else args.time_limit, args.seed).result()
        target = SOLOMON_TARGET_PCT if row["format"] == "solomon" else HHCRSP_LARGE_TARGET_PCT if large else HHCRSP_TARGET_PCT
        row.update(gap_record(row["format"], row, best_known.get(row["instance"].lower()), target))
        rows.append(row)
        print(json.dumps(row), flush=True)
    measured = [r for r in rows if r["target_met"] is not None]
    summary = {
        "summary": True,
        "instances": len(rows),
        "valid": sum(r["valid"] for r in rows),
        "targets_met": sum(bool(r["target_met"]) for r in measured),
        "with_best_known": len(measured),
        "max_gap_pct": {
            kind: max((r["gap_pct"] for r in measured if r["format"] == kind), default=None) for kind in ("solomon", "hhcrsp")
        },
        "time_limit": args.time_limit,
        "large_time_limit": args.large_time_limit,
    }
    print(json.dumps(summary), flush=True)
    return 0 if all(r["valid"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
