"""Evaluation: inject realistic anomalies into real recordings and score the detectors as staff meet them.

Collapses, suppressed morning bed exits and night wandering are written into copies of the
event stream; the detectors replay each copy online and are timed by issue 17's measure
(first urgent alert, or a welfare check plus its wait), with 95 % intervals, online,
leaving each day out and on re-sampled weeks; synthetic homes check generalisation.
"""
