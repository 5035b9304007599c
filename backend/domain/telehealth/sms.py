"""Text messages with the people the hub monitors: a gateway's signed inbound webhook, and sending.

Inbound messages arrive as a Twilio-style form post signed in ``X-Twilio-Signature`` (base64 of the
HMAC-SHA1, keyed with the account's auth token, of the webhook URL followed by every form field's
name and value in name order). Outbound messages go through a pluggable gateway: ``outbox`` (the
local test double: the message is only kept in the hub's message log) or ``twilio`` (its REST API).
Every message, either way, is kept in the log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Protocol

import httpx

from backend.config import Settings

TWILIO_API = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"


class GatewayError(Exception):
    """The gateway did not take the message; the log keeps it unsent with the reason."""


def normalise_phone(number: str) -> str:
    """A UK mobile number in E.164 form (``07700 900123`` -> ``+447700900123``); other forms stripped of spaces."""
    digits = re.sub(r"[\s()\-]", "", number)
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+44" + digits[1:]
    return digits


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature a Twilio-style gateway sends for a form post to ``url``."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_valid(auth_token: str, url: str, params: Mapping[str, str], given: str | None) -> bool:
    """Whether ``given`` is the gateway's signature of this post (constant-time; never without a token)."""
    return bool(auth_token) and bool(given) and hmac.compare_digest(twilio_signature(auth_token, url, params),
                                                                    str(given))


class SmsGateway(Protocol):
    """Sends one text message."""

    name: str

    async def send(self, to: str, body: str) -> None:
        """Hand the message to the gateway, or raise :class:`GatewayError`."""


class OutboxGateway:
    """The local test double: sending is keeping the message in the log, where tests and the demo read it."""

    name = "outbox"

    async def send(self, to: str, body: str) -> None:
        return None


class TwilioGateway:
    """Twilio's Messages API (or any gateway speaking it), with account SID and auth token."""

    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, sender: str, timeout: float = 10.0) -> None:
        self.account_sid, self.auth_token, self.sender, self.timeout = account_sid, auth_token, sender, timeout

    async def send(self, to: str, body: str) -> None:
        if not (self.account_sid and self.auth_token and self.sender):
            raise GatewayError("Twilio needs DOMICARE_SMS_ACCOUNT_SID, DOMICARE_SMS_AUTH_TOKEN and DOMICARE_SMS_FROM")
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(TWILIO_API.format(sid=self.account_sid),
                                             data={"To": to, "From": self.sender, "Body": body},
                                             auth=(self.account_sid, self.auth_token))
        except httpx.HTTPError as exc:
            raise GatewayError(f"Twilio: {exc}") from exc
        if response.status_code >= 300:
            raise GatewayError(f"Twilio answered {response.status_code}: {response.text[:200]}")


def gateway_from_settings(settings: Settings) -> SmsGateway:
    """The gateway this deployment sends through."""
    if settings.sms_gateway == "twilio":
        return TwilioGateway(settings.sms_account_sid, settings.sms_auth_token, settings.sms_from)
    return OutboxGateway()
