"""The telehealth hub: clinicians watching people who take their own readings at home.

A hub is an organisation of its own (tenancy by ``hub_id``, like a provider's by ``provider_id``).
It enrols a person in a programme (condition, devices, reading schedule, thresholds, education
plan), works a caseload ordered by need, steps a stable person down and discharges them; the hub
reads a person's readings and alerts only while they are enrolled.
"""
