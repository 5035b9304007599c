"""Alembic migrations of the Domicare schema."""
