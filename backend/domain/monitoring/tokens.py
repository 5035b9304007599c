"""Device tokens: a random secret shown once at registration, kept only as a SHA-256 hash.

A token reads ``dvc_<device id>_<secret>`` so the device row is found by key and
the secret compared in constant time; the secret's 256 bits make a slow hash unnecessary.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "dvc_"


def new_token(device_id: int) -> str:
    """A fresh device token for ``device_id``."""
    return f"{PREFIX}{device_id}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def device_id_of(token: str) -> int | None:
    """The device id a well-formed token names, else ``None``."""
    if not token.startswith(PREFIX):
        return None
    head, _, secret = token[len(PREFIX):].partition("_")
    if not head.isdigit() or not secret:
        return None
    return int(head)


def matches(token: str, token_hash: str) -> bool:
    """Whether ``token`` is the one whose hash was stored."""
    return bool(token_hash) and hmac.compare_digest(hash_token(token), token_hash)
