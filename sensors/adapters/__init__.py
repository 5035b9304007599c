"""Adapters: one folder per device protocol or file format, all behind one interface.

Each adapter turns its own traffic into normalised ``shared.sensor_events.SensorEvent``s
and hands anything it cannot read to a dead-letter callback with the reason.
"""
