"""The ``domicare`` command line: one entry point fronting every part of the product.

Each area owns its subcommands in its own ``cli`` module exposing
``register(subparsers)``; this module only assembles them, so importing the CLI
stays cheap and the solver or Kivy load only when their command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from backend.area_modules import import_optional

# Areas that contribute subcommands. A module missing here simply contributes nothing.
COMMAND_MODULES: tuple[str, ...] = (
    "backend.commands",
    "backend.domain.finance.cli",
    "backend.domain.monitoring.cli",
    "fixtures.cli",
    "rostering.cli",
    "sensors.cli",
    "mobile.cli",
)


class CommandError(Exception):
    """A failure to report to the user as one line, without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every area's subcommands."""
    parser = argparse.ArgumentParser(prog="domicare", description="Domicare home-care platform")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        module = import_optional(module_name)
        if module is not None:
            module.register(subparsers)
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
