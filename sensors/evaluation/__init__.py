"""Evaluation: inject realistic anomalies into real recordings and score the detectors.

Collapses, suppressed morning bed exits and night wandering are written into copies of
the event stream; the detectors replay each copy online and are timed against the truth.
"""
