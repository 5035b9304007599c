"""Paths of the accounts area."""

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"
