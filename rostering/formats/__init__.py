"""Readers and writers for the public rostering benchmark formats.

``solomon`` reads Solomon VRPTW JSON; ``hhcrsp`` reads HHCRSP instances and reads/writes its solutions.
``detect_format`` tells the two apart from the content of a parsed file.
"""

from __future__ import annotations

from typing import Any, Literal

InstanceFormat = Literal["solomon", "hhcrsp"]


def detect_format(document: Any) -> InstanceFormat | None:
    """Which benchmark format a parsed JSON document is in, or None if neither."""
    if isinstance(document, dict):
        if isinstance(document.get("customers"), list):
            return "solomon"
        if isinstance(document.get("patients"), list) and isinstance(document.get("caregivers"), list):
            return "hhcrsp"
    return None
