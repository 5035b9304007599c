"""The ``domicare`` entry point: assembles every part's subcommands and runs the chosen one.

Each part owns its subcommands in its own ``cli`` module exposing ``register(subparsers)``,
listed once below. Those modules are import-light, so the solver, Kivy or the web stack
load only when their command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from backend import commands as backend_commands
from backend.domain.finance import cli as finance_cli
from backend.domain.monitoring import cli as monitoring_cli
from backend.domain.rostering import cli as rostering_jobs_cli
from backend.domain.telehealth import cli as telehealth_cli
from domicare.errors import CommandError
from mobile import cli as mobile_cli
from rostering import cli as rostering_cli
from sensors import cli as sensors_cli

COMMANDS: tuple[Callable[[Any], None], ...] = (
    backend_commands.register,
    finance_cli.register,
    monitoring_cli.register,
    rostering_cli.register,
    rostering_jobs_cli.register,
    telehealth_cli.register,
    sensors_cli.register,
    mobile_cli.register,
)
"""Every part that contributes subcommands, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every part's subcommands."""
    parser = argparse.ArgumentParser(prog="domicare", description="Domicare home-care platform")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
    except CommandError as exc:
        print(f"domicare {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)
