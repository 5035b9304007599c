"""Rostering benchmark: solve every instance in the data folder and report the gap to best-known.

Usage: python bench/rostering.py [--time-limit 60] [--data DIR] [--seed 0] [--only SUBSTRING]
Prints one JSON line per instance, then a summary line. The data folder defaults to
../shared/data/rostering beside the repository (or $DOMICARE_ROSTERING_DATA).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rostering.benchmark import InstanceError, read_instance, solve_file  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "rostering"
SOLOMON_TARGET_PCT = 1.0
HHCRSP_TARGET_PCT = 3.0


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


def gap_record(name: str, kind: str, figures: dict[str, float], best: dict[str, float] | None) -> dict[str, Any]:
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
            "target_met": same_fleet and gap <= SOLOMON_TARGET_PCT,
        }
    gap = 100.0 * (figures["total_cost"] / best["total_cost"] - 1.0)
    return {"best_known": best, "gap_pct": round(gap, 3), "target_met": gap <= HHCRSP_TARGET_PCT}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit code 1 if any solution is invalid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("DOMICARE_ROSTERING_DATA", DEFAULT_DATA)))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="run only instances whose file name contains this")
    args = parser.parse_args(argv)
    best_known = parse_best_known(args.data / "BEST_KNOWN.md")
    rows = []
    for path in instance_files(args.data):
        if args.only.lower() not in path.name.lower():
            continue
        began = time.monotonic()
        result = solve_file(path, args.time_limit, args.seed)
        seconds = time.monotonic() - began
        row = {
            "instance": result.name,
            "format": result.format,
            "time_limit": args.time_limit,
            "seconds": round(seconds, 2),
            "valid": result.valid,
            **{k: round(v, 3) for k, v in result.figures.items()},
            **gap_record(result.name, result.format, result.figures, best_known.get(result.name.lower())),
        }
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
    }
    print(json.dumps(summary), flush=True)
    return 0 if all(r["valid"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
