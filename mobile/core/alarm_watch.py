"""The board's fast lane for alarms: between its 30-second refreshes, ask every few seconds whether an alarm is new.

An SOS press or a smoke alarm cannot wait half a minute for the next refresh. The watch asks
the server for open alarms only (one small request) and reports the ones the board has not
shown yet, so the screen refreshes at once. It imports no Kivy: the screen schedules it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

ALARM_POLL_S = 3.0


class AlarmWatch:
    """Remembers which alarms the board already shows and finds new ones."""

    def __init__(self, fetch: Callable[[], list[dict[str, Any]]]) -> None:
        self._fetch = fetch
        self._shown: set[int] = set()

    def shown(self, alerts: Iterable[dict[str, Any]]) -> None:
        """The board (re)loaded: these alerts are on screen now."""
        self._shown = {int(alert["id"]) for alert in alerts if "id" in alert}

    def new_alarms(self) -> list[dict[str, Any]]:
        """Open alarms not on the board yet (asks the server; raises what the API client raises)."""
        return [alarm for alarm in self._fetch() if int(alarm["id"]) not in self._shown]
