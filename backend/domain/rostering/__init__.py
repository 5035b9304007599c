"""Rostering in the product: solve a provider's day from the database as a background job,
show the proposed runs, and publish them as visit assignments (with a diff against the old rota).
The optimisation itself lives in the plain ``rostering`` library; this area only feeds and reads it.
"""
