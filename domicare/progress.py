"""Progress of long commands on standard error: a bar in a terminal, JSON lines otherwise.

Standard output stays each command's machine-readable result (DESIGN.md section 3); what a
person watches goes to standard error. In a terminal that is a ``rich`` progress bar with the
latest figures rounded for reading; piped or logged, it is one JSON object per line
(``{"task", "done", "total", "unit", ...figures}``), at most one a second plus the last.
"""

from __future__ import annotations

import json
import sys
import time
from types import TracebackType
from typing import Any, TextIO

JSON_EVERY_S = 1.0


def for_people(figures: dict[str, Any], digits: int = 2) -> dict[str, Any]:
    """Floats rounded to ``digits`` decimals (654.60, not 654.5959999999999); other values unchanged."""
    return {k: round(v, digits) if isinstance(v, float) else v for k, v in figures.items()}


class Progress:
    """One long task's progress: ``update`` as work is done, ``note`` for a one-off message."""

    def __init__(self, task: str, *, total: float | None = None, unit: str = "", stream: TextIO | None = None) -> None:
        self.task = task
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.done: float = 0
        self.figures: dict[str, Any] = {}
        self._last_line = 0.0
        self._bar: Any = None
        self._bar_task: Any = None
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())

    def __enter__(self) -> Progress:
        if self.terminal:
            from rich.console import Console
            from rich.progress import BarColumn, Progress as Bar, TextColumn, TimeElapsedColumn

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                            TimeElapsedColumn(), TextColumn("{task.fields[figures]}"), console=Console(file=self.stream))
            self._bar.start()
            self._bar_task = self._bar.add_task(self.task, total=self.total, count=self._count(), figures="")
        return self

    def update(self, done: float | None = None, *, advance: float = 0, total: float | None = None,
               **figures: Any) -> None:
        """Record progress (``done`` so far, or ``advance`` by some) and the latest figures."""
        self.done = done if done is not None else self.done + advance
        if total is not None:
            self.total = total
        self.figures.update(for_people(figures))
        if self._bar is not None:
            shown = "  ".join(f"{k} {v:,}" if isinstance(v, int | float) else f"{k} {v}" for k, v in self.figures.items())
            self._bar.update(self._bar_task, completed=self.done, total=self.total, count=self._count(), figures=shown)
        elif time.monotonic() - self._last_line >= JSON_EVERY_S:
            self._line()

    def note(self, message: str, **fields: Any) -> None:
        """A one-off message: a sentence in a terminal, a JSON line otherwise."""
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            self._write({"task": self.task, "message": message, **fields})

    def _count(self) -> str:
        """``12/60 s`` or ``1,234 rows`` (no total known)."""
        of = f"/{self.total:,.0f}" if self.total is not None else ""
        return f"{self.done:,.0f}{of} {self.unit}".rstrip()

    def _line(self, **extra: Any) -> None:
        self._last_line = time.monotonic()
        done = round(self.done, 2) if isinstance(self.done, float) else self.done
        self._write({"task": self.task, "done": done, "total": self.total, "unit": self.unit, **self.figures, **extra})

    def _write(self, record: dict[str, Any]) -> None:
        self.stream.write(json.dumps(record) + "\n")
        self.stream.flush()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif exc_type is None:
            self._line(finished=True)
