"""Rostering: assign a day's care visits to carers and order each carer's run.

A plain library (no web or UI imports): benchmark formats and validators, a search engine for
synchronised double-handed visits, a PyVRP-based VRPTW solver, and the product API in ``rostering.roster``.
"""
