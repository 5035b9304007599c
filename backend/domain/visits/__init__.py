"""Visits, their carer assignments, check-in/out events, verification and amendments."""
