"""Detectors: learn each home's normal day online and raise alerts a supervisor can act on.

They consume normalised ``SensorEvent``s only (never knowing the adapter), learn
from the home's own past, and are driven by ``HomeMonitor.observe`` / ``advance``.
"""

from sensors.detectors.alerts import DetectorAlert, DetectorKind
from sensors.detectors.monitor import HomeMonitor
from sensors.detectors.rules import ClientRules

__all__ = ["ClientRules", "DetectorAlert", "DetectorKind", "HomeMonitor"]
