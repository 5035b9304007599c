"""Delivered hours, reconciliation and exports to the authority's finance portal."""
