"""Paths of the accounts area."""

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"
REFRESH = "/api/v1/auth/refresh"
SIGN_OUT = "/api/v1/auth/sign-out"
PASSWORD = "/api/v1/me/password"
DEVICE_SESSIONS = "/api/v1/device-sessions"
DEVICE_SESSION_REVOKE = "/api/v1/device-sessions/{session_id:str}/revoke"
