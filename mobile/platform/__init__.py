"""Device features behind small adapters: location, QR camera, notifications.

Each feature is a package with a real back end (``android.py``: plyer / pyjnius on the
phone) and a desktop one (``desktop.py``: fixed or simulated values, typed codes, log
lines) used on a computer and by the tests; ``create()`` picks one for the platform.
"""

from __future__ import annotations

import os
import sys


def on_android() -> bool:
    """True inside the python-for-android runtime."""
    return "ANDROID_ARGUMENT" in os.environ or hasattr(sys, "getandroidapilevel")
