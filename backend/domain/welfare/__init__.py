"""Welfare checks: a quiet home asks the person first, and only an unanswered check becomes an alarm.

A detector's ``check`` finding opens a welfare check; the person (through the home hub or,
later, their own app), a carer or a supervisor answers "I'm OK"; a check still open after
the configured wait (15 minutes by default) escalates to an urgent alert. Every step is kept
with its time, so response times can be measured, and checks are listed apart from alarms.
"""
