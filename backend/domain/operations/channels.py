"""Notification channels behind one interface: in-app (the board), email over SMTP, and a signed webhook."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
from email.message import EmailMessage
from typing import Any, Protocol

import httpx
import msgspec

from backend.config import Settings


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
    """A JSON POST, signed with HMAC-SHA256 of the body in ``X-Domicare-Signature``."""

    name = "webhook"

    def __init__(self, secret: str, timeout: float = 10.0) -> None:
        self.secret, self.timeout = secret.encode(), timeout

    async def send(self, address: str, message: Message) -> None:
        body = json.dumps({"subject": message.subject, "body": message.body, "level": message.level,
                           "alert": message.alert}, default=str).encode()
        signature = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Domicare-Signature": f"sha256={signature}"}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(address, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"webhook {address}: {exc}") from exc
        if response.status_code >= 300:
            raise ChannelError(f"webhook {address} answered {response.status_code}")


def channels_from_settings(settings: Settings) -> dict[str, Channel]:
    """Every channel, configured for this deployment."""
    channels: list[Channel] = [
        InAppChannel(),
        EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender),
        WebhookChannel(settings.secret_key),
    ]
    return {c.name: c for c in channels}
