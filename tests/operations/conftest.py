"""Fixtures of the operations tests: a real SMTP inbox, a local webhook receiver, and time helpers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.support.servers import free_port


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def webhook() -> Iterator[tuple[list[tuple[bytes, str]], str]]:
    """A local HTTP receiver: the (body, X-Domicare-Signature) of each POST, and its URL."""
    received: list[tuple[bytes, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["X-Domicare-Signature"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


class Inbox:
    """An aiosmtpd handler keeping every message it is sent."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook name)
        self.messages.append(envelope)
        return "250 OK"

    def texts(self) -> list[str]:
        """Subject and body of every message, decoded."""
        found = []
        for envelope in self.messages:
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            found.append(f"{parsed['Subject']}\n{parsed.get_content()}")
        return found


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free local port, and what it received."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()
