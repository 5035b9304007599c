"""Persistence plumbing: async engine, column types, migrations and tenant-scoped repositories."""
