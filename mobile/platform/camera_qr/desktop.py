"""No camera on the desktop: the visit screen shows a field to type the tag's code instead."""

from __future__ import annotations

from collections.abc import Callable


class TypedCodeScanner:
    can_scan = False

    def __init__(self, code: str | None = None) -> None:
        self.code = code  # tests may preset what the "camera" would read

    def scan(self, on_result: Callable[[str | None], None]) -> None:
        on_result(self.code)
