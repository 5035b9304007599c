"""Alerts that need a human: late or missed visits, concerns, sensor anomalies, vitals, devices."""
