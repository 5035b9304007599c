"""Finance export benchmark: 1,000,000 delivered carer-visits through billing and both file writers,
against a baseline of writing the same number of CSV rows with the csv module alone.

Run: ``.venv/bin/python bench/export.py [--carer-visits N] [--out DIR]``; prints JSON.
Each phase runs in its own process so its peak memory (max RSS) is its own. The visits are
synthetic but shaped like the demo city (double-handed 1 in 7, late, short, missed, unverified
and amended visits) and stream through the same functions the API and ``domicare export`` use.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHUNK_VISITS = 2_000
TARGET_SECONDS = 30.0
TARGET_PEAK_MB = 300.0
WEEK_ENDING = date(2025, 3, 30)  # the week the clocks go forward


def synthetic_chunks(carer_visits: int) -> Iterator[list[Any]]:
    """Chunks of VisitFacts adding up to exactly ``carer_visits`` carer-visits (deterministic)."""
    from backend.domain.visits.facts import AmendmentFacts, CarerFacts, Check, VisitFacts
    from shared.timekeeping import london_to_utc

    week_start = WEEK_ENDING - timedelta(days=6)
    day_starts = [london_to_utc(week_start + timedelta(days=d), 0) for d in range(7)]
    produced = 0
    visit_id = 0
    chunk: list[Any] = []
    while produced < carer_visits:
        visit_id += 1
        i = visit_id
        day = i % 7
        planned_start = day_starts[day] + timedelta(minutes=7 * 60 + (i * 15) % (14 * 60))
        minutes = (15, 30, 45, 60)[i % 4]
        needed = 2 if i % 7 == 0 else 1
        needed = min(needed, carer_visits - produced)
        roll = (i * 7919) % 100
        status = "missed" if roll < 3 else "completed"
        carers = []
        for k in range(needed):
            carer_id = (i * 31 + k) % 2500 + 1
            facts = CarerFacts(carer_id=carer_id, carer_ref=f"CR{carer_id:05d}")
            if status == "completed":
                delay = 40 if roll < 10 else (i % 13) - 5
                worked = minutes * (0.6 if 10 <= roll < 15 else 1.0) + (i % 5) - 2
                start = planned_start + timedelta(minutes=delay)
                verified = not (15 <= roll < 19)
                review = None if verified else "approved"
                method = "qr" if i % 5 == 0 else "gps"
                facts.check_in = Check(at=start, method=method, verified=verified, review_state=review)
                facts.check_out = Check(at=start + timedelta(minutes=worked), method=method, verified=verified,
                                        review_state=review)
            carers.append(facts)
        amendments = []
        if roll == 42:
            amendments.append(AmendmentFacts(id=i, reason_code="device_failed", created_at=planned_start, changes={
                "actual_end": (planned_start + timedelta(minutes=minutes)).isoformat()}))
        client_id = i % 9000 + 1
        chunk.append(VisitFacts(
            visit_id=i, provider_id=1, client_id=client_id, client_ref=f"SU{client_id:06d}", service_type="personal_care",
            visit_date=week_start + timedelta(days=day), planned_start=planned_start,
            planned_end=planned_start + timedelta(minutes=minutes), carers_needed=needed, status=status,
            carers=carers, amendments=amendments,
        ))
        produced += needed
        if len(chunk) >= CHUNK_VISITS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def phase_baseline(carer_visits: int, out: Path) -> int:
    """The csv module alone writing ``carer_visits`` rows of the same 15 columns (values precomputed per row)."""
    week_start = WEEK_ENDING - timedelta(days=6)
    base = datetime(2025, 3, 24, tzinfo=timezone.utc)
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(("FileReference", "ProviderRef", "ServiceUserRef", "WeekEnding", "VisitDate", "PlannedStartTime",
                         "PlannedDuration", "ActualStartTime", "ActualDuration", "ClaimedDuration", "NumberOfCarers",
                         "CarerRef", "Verified", "RoundingApplied", "Comment"))
        for i in range(1, carer_visits + 1):
            start = base + timedelta(minutes=(i * 15) % (14 * 60))
            writer.writerow(("LCC-PRV001-20250330-C001", "PRV001", f"SU{i % 9000 + 1:06d}", "2025-03-30",
                             (week_start + timedelta(days=i % 7)).isoformat(), start.strftime("%H:%M"),
                             30, start.strftime("%H:%M"), 31, 30, 1, f"CR{i % 2500 + 1:05d}", "Y", "nearest/15", ""))
    return carer_visits


def phase_generate(carer_visits: int, out: Path) -> int:
    """Building the synthetic visit facts only (what the database read stands in for)."""
    return sum(sum(len(v.carers) for v in chunk) for chunk in synthetic_chunks(carer_visits))


def phase_export(export_format: str, carer_visits: int, out: Path) -> int:
    """Facts → payment rules → file, chunk by chunk, with the production writers."""
    from backend.domain.finance.billing import Rules, bill_visit
    from backend.domain.finance.exports import FileHeader, RunningTotals, write_sync

    rules = Rules()
    header = FileHeader(file_reference="LCC-PRV001-20250330-C001", provider_ref="PRV001", provider_name="Bench",
                        authority_code="LCC", week_ending=WEEK_ENDING, rules_version=0)
    totals = RunningTotals()
    parts = ((header, [bill_visit(f, rules) for f in chunk]) for chunk in synthetic_chunks(carer_visits))
    with out.open("w", encoding="utf-8", newline="") as handle:
        for piece in write_sync(export_format, parts, [header], WEEK_ENDING, totals):
            handle.write(piece)
    if export_format == "abacus-csv":
        assert totals.rows == carer_visits, (totals.rows, carer_visits)
    return carer_visits


PHASES = {
    "baseline-csv-module": lambda n, out: phase_baseline(n, out),
    "generate-facts-only": lambda n, out: phase_generate(n, out),
    "abacus-csv": lambda n, out: phase_export("abacus-csv", n, out),
    "evv-json": lambda n, out: phase_export("evv-json", n, out),
}


def run_phase(name: str, carer_visits: int, out: Path) -> dict[str, Any]:
    """One phase in this process: seconds, rows/s, peak RSS and file size."""
    import backend.domain.finance.exports  # noqa: F401  (imports are not part of the measurement)

    started = time.perf_counter()
    rows = PHASES[name](carer_visits, out)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    return {"phase": name, "carer_visits": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(peak_mb, 1), "file_mb": round(out.stat().st_size / 1e6, 1) if out.exists() else 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--carer-visits", type=int, default=1_000_000)
    parser.add_argument("--out", default=None, help="folder for the files (default: a temporary one, removed after)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--phase-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.carer_visits, Path(args.phase_out))))
        return 0
    with tempfile.TemporaryDirectory(prefix="domicare-bench-export-") as scratch:
        folder = Path(args.out or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results = {}
        for name in PHASES:
            out = folder / f"{name}.{'json' if name == 'evv-json' else 'csv'}"
            done = subprocess.run(
                [sys.executable, __file__, "--phase", name, "--carer-visits", str(args.carer_visits),
                 "--phase-out", str(out)], check=True, capture_output=True, text=True, env=os.environ.copy(),
            )
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    base = results["baseline-csv-module"]
    report: dict[str, Any] = {"benchmark": "finance-export", "carer_visits": args.carer_visits,
                              "cpu_count": os.cpu_count(), "phases": results, "vs_baseline": {}, "targets": {}}
    for name in ("abacus-csv", "evv-json"):
        r = results[name]
        report["vs_baseline"][name] = {
            "rows_per_s_ratio": round(r["rows_per_s"] / base["rows_per_s"], 3),
            "cpu_ratio": round(r["cpu_seconds"] / base["cpu_seconds"], 2),
            "peak_rss_ratio": round(r["peak_rss_mb"] / base["peak_rss_mb"], 2),
        }
        report["targets"][name] = {"under_30_s": r["seconds"] < TARGET_SECONDS,
                                   "under_300_mb": r["peak_rss_mb"] < TARGET_PEAK_MB}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
