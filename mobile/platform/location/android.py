"""Android positions through plyer's GPS facade (needs ACCESS_FINE_LOCATION).

GPS runs only while a visit screen is open (``start``/``stop``); the last fix is kept in
memory for at most two minutes and is never written anywhere.
"""

from __future__ import annotations

import time

from mobile.platform.location import Fix

MAX_AGE_S = 120.0


class AndroidLocation:
    def __init__(self) -> None:
        self._fix: Fix | None = None
        self._at = 0.0
        self._running = False

    def start(self) -> None:
        if self._running:
            return
        from android.permissions import Permission, request_permissions  # type: ignore[import-not-found]
        from plyer import gps  # type: ignore[import-not-found]

        request_permissions([Permission.ACCESS_FINE_LOCATION, Permission.ACCESS_COARSE_LOCATION])
        gps.configure(on_location=self._on_location)
        gps.start(minTime=1000, minDistance=0)
        self._running = True

    def stop(self) -> None:
        if self._running:
            from plyer import gps  # type: ignore[import-not-found]

            gps.stop()
            self._running = False
        self._fix = None

    def _on_location(self, **kwargs: float) -> None:
        self._fix = Fix(float(kwargs["lat"]), float(kwargs["lon"]), float(kwargs.get("accuracy", 50.0)))
        self._at = time.monotonic()

    def current(self, near: tuple[float, float] | None = None) -> Fix | None:
        if self._fix is None or time.monotonic() - self._at > MAX_AGE_S:
            return None
        return self._fix
