"""The error a ``domicare`` command raises for a failure the user should read as one line."""

from __future__ import annotations


class CommandError(Exception):
    """A failure to report to the user as one line, without a traceback."""
