"""Signed sensor webhooks: a hub signs each body with its own key and the time it sent it.

``X-Domicare-Timestamp: <unix seconds>`` and ``X-Domicare-Signature: sha256=<hex>``, where the hex is
HMAC-SHA256 of ``<timestamp>.<body>`` under the device's signing key (as Stripe and GitHub sign their
webhooks). The key is derived from the server's secret and the device's current token hash, so it needs
no storage of its own, is shown once with the token, and changes when the token is rotated. A request
older or newer than the allowed skew is refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

TIMESTAMP_HEADER = "X-Domicare-Timestamp"
SIGNATURE_HEADER = "X-Domicare-Signature"
SCHEME = "sha256="


class SignatureError(ValueError):
    """The request's signature or timestamp cannot be trusted; the message says which."""


def signing_key(server_secret: str, token_hash: str) -> str:
    """The key a device signs its webhook bodies with (hex), tied to its current token."""
    return hmac.new(server_secret.encode(), f"webhook-signing:{token_hash}".encode(), hashlib.sha256).hexdigest()


def signature(key: str, timestamp: str, body: bytes) -> str:
    """The ``X-Domicare-Signature`` value for a body sent at ``timestamp``."""
    return SCHEME + hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(key: str, timestamp: str | None, given: str | None, body: bytes, now: datetime, skew: timedelta) -> None:
    """Nothing when the body was signed with ``key`` within ``skew`` of ``now``; :class:`SignatureError` otherwise."""
    if not timestamp or not given:
        raise SignatureError(f"a signed request is required ({TIMESTAMP_HEADER} and {SIGNATURE_HEADER})")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be the Unix time in seconds")
    sent = int(timestamp)
    if abs(now.timestamp() - sent) > skew.total_seconds():
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than {skew.total_seconds():g} s from the server's clock")
    if not hmac.compare_digest(signature(key, timestamp, body), given.strip()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")
