"""Notification channels behind one interface: in-app (the board), email over SMTP, and a signed webhook."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
from email.message import EmailMessage
from typing import Any, Protocol

import httpx
import msgspec
from litestar.exceptions import ValidationException

from backend.config import Settings
from backend.security.outbound import TargetRefused, check_saved_address, post_pinned

logger = logging.getLogger(__name__)

DELIVERY_FAILED = "the webhook could not be reached or did not accept the message; it will be retried"
"""What users see of a failed webhook delivery, whatever the cause (the cause is in the server log):
telling a closed port from an error answer would make the server a port scanner."""


class Message(msgspec.Struct, frozen=True):
    """What a notification says, whatever carries it."""

    subject: str
    body: str
    alert: dict[str, Any]
    level: int


class ChannelError(Exception):
    """A channel could not deliver; the notification is retried later."""


class Channel(Protocol):
    """Delivers a message to one address of its kind."""

    name: str

    async def send(self, address: str, message: Message) -> None:
        """Deliver or raise :class:`ChannelError`."""


class InAppChannel:
    """The supervisor board: the alert (with its escalation level) is already there, so nothing to send."""

    name = "in_app"

    async def send(self, address: str, message: Message) -> None:
        return None


class EmailChannel:
    """Plain-text email through an SMTP relay."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def _send_blocking(self, address: str, message: Message) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = address
        email["Subject"] = message.subject
        email.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(email)

    async def send(self, address: str, message: Message) -> None:
        if not self.host:
            raise ChannelError("no SMTP relay configured (DOMICARE_SMTP_HOST)")
        try:
            await asyncio.to_thread(self._send_blocking, address, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"SMTP {self.host}:{self.port}: {exc}") from exc


class WebhookChannel:
    """A JSON POST to an https address on the public internet, signed with HMAC-SHA256 of the body.

    The signature (``X-Domicare-Signature: sha256=<hex>``) uses the webhook key, never the key that
    signs access tokens, so a receiver that can check it cannot mint tokens.
    """

    name = "webhook"

    def __init__(self, signing_key: str, allow_private: bool = False, timeout: float = 10.0) -> None:
        self.signing_key, self.allow_private, self.timeout = signing_key.encode(), allow_private, timeout

    async def send(self, address: str, message: Message) -> None:
        if not self.signing_key:
            raise ChannelError("no webhook signing key configured (DOMICARE_WEBHOOK_SIGNING_KEY)")
        body = json.dumps({"subject": message.subject, "body": message.body, "level": message.level,
                           "alert": message.alert}, default=str).encode()
        signature = hmac.new(self.signing_key, body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Domicare-Signature": f"sha256={signature}"}
        try:
            response = await post_pinned(address, body, headers, timeout=self.timeout, allow_private=self.allow_private)
        except (TargetRefused, httpx.HTTPError) as exc:
            logger.warning("webhook delivery to %s failed: %s: %s", address, exc.__class__.__name__, exc)
            raise ChannelError(DELIVERY_FAILED) from exc
        if response.status_code >= 300:
            logger.warning("webhook %s answered %s", address, response.status_code)
            raise ChannelError(DELIVERY_FAILED)


def channels_from_settings(settings: Settings) -> dict[str, Channel]:
    """Every channel, configured for this deployment."""
    channels: list[Channel] = [
        InAppChannel(),
        EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender),
        WebhookChannel(settings.webhook_signing_key, settings.webhook_allow_private),
    ]
    return {c.name: c for c in channels}


async def check_webhook_address(address: str, settings: Settings) -> None:
    """A 400 naming the address field for a webhook the server must not send to (checked again at every delivery)."""
    try:
        await check_saved_address(address, settings.webhook_allow_private)
    except TargetRefused as exc:
        raise ValidationException(f"invalid address: {exc}", extra=[{"key": "address", "message": str(exc)}]) from None
