"""``domicare roster``: solve benchmark rostering instances from the command line.

Import-light on purpose: the solvers and their compiled engines load only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from domicare.errors import CommandError
from domicare.progress import Progress, for_people

# Time kept back for interpreter start-up, imports, validation and writing the solution.
_MARGIN_FIXED = 0.3
_MARGIN_FRACTION = 0.03
_MARGIN_MAX = 2.0


def register(subparsers: Any) -> None:
    """Add ``roster solve INSTANCE [--time-limit S] [--seed N] [--out FILE]``."""
    roster = subparsers.add_parser("roster", help="carer rostering and benchmark instances")
    commands = roster.add_subparsers(dest="roster_command", metavar="SUBCOMMAND", required=True)
    solve = commands.add_parser("solve", help="solve a Solomon or HHCRSP instance file")
    solve.add_argument("instance", type=Path, help="instance JSON (format detected from content)")
    solve.add_argument("--time-limit", type=float, default=60.0, metavar="SECONDS", help="wall-clock limit (default 60)")
    solve.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    solve.add_argument("--out", type=Path, default=None, metavar="FILE",
                       help="solution file (default: <instance>.solution.json in the current directory)")
    solve.set_defaults(handler=solve_command)


def solve_command(args: argparse.Namespace) -> int:
    """Solve, write the solution, print one JSON line of objective figures."""
    began = time.monotonic()
    from rostering.benchmark import InstanceError, solve_file

    if args.time_limit <= 0:
        raise CommandError("--time-limit must be positive")
    margin = min(_MARGIN_MAX, _MARGIN_FIXED + _MARGIN_FRACTION * args.time_limit)
    out: Path = args.out or Path(f"{args.instance.stem}.solution.json")

    solver_limit = max(0.1, args.time_limit - margin - (time.monotonic() - began))
    with Progress("roster solve", total=round(solver_limit, 1), unit="s") as progress:
        try:
            result = solve_file(args.instance, solver_limit, args.seed,
                                lambda elapsed, figures: progress.update(min(elapsed, solver_limit), **figures))
        except InstanceError as exc:
            raise CommandError(str(exc)) from exc
        try:
            out.write_text(json.dumps(result.document, indent=1) + "\n")
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc}") from exc
        progress.update(solver_limit)
        progress.note(f"wrote the solution to {out.resolve()}", solution=str(out.resolve()))
    if not result.valid:
        raise CommandError("solution failed validation: " + "; ".join(result.violations[:3]))
    print(json.dumps(for_people(result.figures)))
    return 0
