"""Telehealth vitals: read FHIR R4 or compact JSON, validate, triage and export as FHIR.

Readings become ``shared.vitals.VitalObservation``s in canonical units; triage applies
NEWS2 and condition rules (heart failure, COPD, diabetes) and reminds about missing readings.
"""

from sensors.vitals.alerts import VitalsAlert
from sensors.vitals.compact import parse_compact
from sensors.vitals.conditions import VitalsProfile
from sensors.vitals.fhir import parse_observation, to_bundle
from sensors.vitals.triage import overdue, triage
from sensors.vitals.units import VitalsError

__all__ = ["VitalsAlert", "VitalsError", "VitalsProfile", "overdue", "parse_compact", "parse_observation",
           "to_bundle", "triage"]
