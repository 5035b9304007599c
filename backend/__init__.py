"""Domicare backend: the Litestar API, its persistence, scheduler and command line.

Business areas live under ``backend.domain`` (controllers, services,
repositories, schemas, models per area); ``backend.database`` holds the engine,
column types, migrations runner and the tenant-scoped repository base.
"""
