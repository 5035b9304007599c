"""Home sensors and telehealth for Domicare.

Adapters normalise device traffic into ``SensorEvent``s, detectors learn each
home's normal day and raise alerts, and ``vitals`` validates and triages readings.
"""
