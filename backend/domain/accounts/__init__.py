"""Authorities, providers, user accounts, sign-in and role guards."""
