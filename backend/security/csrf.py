"""CSRF tokens of the server-rendered pages, signed by the server so an attacker cannot choose one.

A signed-in page's token is an HMAC of its session id; the sign-in form's is an HMAC of a random
nonce kept in a cookie. Both use a key derived for this purpose alone from the deployment's
secret, so a token never reveals or reuses the key that signs access tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_LENGTH = 40


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"domicare:csrf-key", hashlib.sha256).digest()


def _sign(secret: str, message: str) -> str:
    return hmac.new(_key(secret), message.encode(), hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


def new_nonce() -> str:
    """A random value for the sign-in form's cookie."""
    return secrets.token_urlsafe(24)


def sign_in_token(secret: str, nonce: str) -> str:
    """The sign-in form's token for the nonce in its cookie."""
    return _sign(secret, "sign-in:" + nonce)


def session_token(secret: str, session_id: str) -> str:
    """A signed-in page's token: bound to its session, unguessable without the key."""
    return _sign(secret, "session:" + session_id)


def matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; missing values never match."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
