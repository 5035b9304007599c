"""Fixtures of the operations tests: the API fixtures of the backend tests, and helpers on visits."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from backend.database.engine import create_engine, session_factory
from backend.domain.accounts.models import User
from backend.domain.alerts.models import Alert
from backend.domain.people.models import Carer
from backend.domain.visits.models import Visit, VisitAssignment, VisitEvent
from shared.enums import VisitStatus
from shared.timekeeping import LONDON
from tests.backend.conftest import api, headers_for, sign_in  # noqa: F401  (fixtures re-exported)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Db:
    """Synchronous helpers over an async engine, for test set-up and assertions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.loop = asyncio.new_event_loop()
        self.engine = create_engine(url)
        self.sessionmaker = session_factory(self.engine)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.run(self.engine.dispose())
        self.loop.close()

    def carer_visits(self, username: str, limit: int = 5) -> list[Visit]:
        async def go() -> list[Visit]:
            async with self.sessionmaker() as s:
                rows = await s.execute(
                    select(Visit).join(VisitAssignment, VisitAssignment.visit_id == Visit.id)
                    .join(Carer, Carer.id == VisitAssignment.carer_id).join(User, User.id == Carer.user_id)
                    .where(User.username == username, Visit.carers_needed == 1,
                           ~select(VisitEvent.id).where(VisitEvent.visit_id == Visit.id).exists(),
                           ~select(Alert.id).where(Alert.visit_id == Visit.id).exists()).order_by(Visit.id).limit(limit)
                )
                return list(rows.scalars())
        return self.run(go())

    def plan(self, visit_id: int, start: datetime, end: datetime, status: VisitStatus = VisitStatus.PLANNED) -> None:
        async def go() -> None:
            async with self.sessionmaker() as s, s.begin():
                await s.execute(update(Visit).where(Visit.id == visit_id).values(
                    planned_start=start, planned_end=end, status=status, visit_date=start.astimezone(LONDON).date()))
        self.run(go())

    def scalars(self, statement: Any) -> list[Any]:
        async def go() -> list[Any]:
            async with self.sessionmaker() as s:
                return list((await s.execute(statement)).scalars())
        return self.run(go())

    def execute(self, statement: Any) -> None:
        async def go() -> None:
            async with self.sessionmaker() as s, s.begin():
                await s.execute(statement)
        self.run(go())


@pytest.fixture
def db(seeded_db_url: str) -> Iterator[Db]:
    helper = Db(seeded_db_url)
    yield helper
    helper.close()


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
