"""Webhooks reach only https addresses on the public internet, and users see a generic delivery outcome.

Addresses are refused when saved (on-call and family contacts alike) and checked again, resolved,
at every delivery, so a row saved before the rule or a name that later resolves inside is not
sent to. Whether a delivery failed because a port was closed or because the receiver answered an
error is not shown: the server is no port scanner. Signatures use the webhook key, not the JWT key.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from backend.domain.alerts.services import raise_alert
from backend.domain.operations.channels import DELIVERY_FAILED, channels_from_settings
from backend.domain.operations.escalation import deliver, escalate
from backend.domain.operations.models import OnCallContact
from shared.enums import AlertKind, AlertSeverity
from shared.timekeeping import utc_now
from tests.conftest import make_settings, sign_in
from tests.support.database import Db
from tests.support.servers import free_port

INSIDE = [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/hook", "https://192.168.1.1/hook", "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook",
    "https://127.1/hook", "https://0x7f.0.0.1/hook", "https://[fd00:ec2::254]/hook", "https://100.64.0.1/hook",
    "https://metadata.google.internal/computeMetadata/v1/", "http://hooks.example.com/hook",
    "https://user:secret@hooks.example.com/hook",
]


def test_on_call_webhooks_inside_the_network_are_refused(api: TestClient) -> None:
    admin = sign_in(api, "admin.demo")
    for address in INSIDE:
        response = api.post("/api/v1/oncall-contacts", json={"level": 2, "channel": "webhook", "address": address},
                            headers=admin)
        assert response.status_code == 400, (address, response.text)
        assert "public internet" in response.json()["detail"]
    accepted = api.post("/api/v1/oncall-contacts", headers=admin,
                        json={"level": 2, "channel": "webhook", "address": "https://hooks.example.com/domicare"})
    assert accepted.status_code == 201, accepted.text


def test_family_webhooks_inside_the_network_are_refused(api: TestClient) -> None:
    supervisor = sign_in(api, "supervisor.demo")
    url = "/api/v1/clients/1/family-contacts"
    for address in INSIDE:
        response = api.post(url, json={"name": "Sam", "channel": "webhook", "address": address}, headers=supervisor)
        assert response.status_code == 400, (address, response.text)
    accepted = api.post(url, json={"name": "Sam", "channel": "webhook", "address": "https://family.example.com/hook"},
                        headers=supervisor)
    assert accepted.status_code == 201, accepted.text


class _Receiver(BaseHTTPRequestHandler):
    """Answers every POST with an error, keeping what it was sent."""

    received: list[tuple[bytes, str]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers["X-Domicare-Signature"]))
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[bytes, str]]]]:
    """A local receiver that answers 500, and what it received."""
    received: list[tuple[bytes, str]] = []
    handler = type("Handler", (_Receiver,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


def _escalate_to(db: Db, settings: Any, addresses: list[str]) -> None:
    """An alert nobody acknowledged, escalated to on-call webhooks at these addresses, and delivered."""
    db.execute(OnCallContact.__table__.insert().values([  # type: ignore[attr-defined]
        {"provider_id": 1, "level": 1, "channel": "webhook", "address": address, "active": True}
        for address in addresses]))

    async def go() -> None:
        async with db.sessionmaker() as s, s.begin():
            alert, _ = await raise_alert(s, provider_id=1, kind=AlertKind.MISSED_VISIT, severity=AlertSeverity.URGENT,
                                         message="webhook target test", dedupe_key="webhook-target-test")
            alert.created_at = utc_now() - timedelta(minutes=20)
    db.run(go())
    db.run(escalate(db.sessionmaker, settings, utc_now()))
    db.run(deliver(db.sessionmaker, channels_from_settings(settings), utc_now()))


def _webhook_errors(api: TestClient) -> dict[str, str]:
    page = api.get("/api/v1/notifications", headers=sign_in(api, "supervisor.demo")).json()
    return {n["address"]: n["error"] for n in page["items"] if n["channel"] == "webhook"}


def test_a_saved_address_inside_is_not_sent_to(api: TestClient, db: Db, tmp_path: Path,
                                               receiver: tuple[str, list[tuple[bytes, str]]]) -> None:
    url, received = receiver
    inside = url.replace("http://127.0.0.1", "https://127.1")  # saved before the rule, or by hand
    _escalate_to(db, make_settings(db.url, tmp_path), [inside])
    assert received == []
    assert _webhook_errors(api) == {inside: DELIVERY_FAILED}


def test_users_see_one_generic_outcome_whatever_went_wrong(api: TestClient, db: Db, tmp_path: Path,
                                                          receiver: tuple[str, list[tuple[bytes, str]]]) -> None:
    url, received = receiver
    closed = f"http://127.0.0.1:{free_port()}/hook"
    settings = make_settings(db.url, tmp_path, webhook_allow_private=True)
    _escalate_to(db, settings, [url, closed])
    assert len(received) == 1, "the open port was reached"
    assert _webhook_errors(api) == {url: DELIVERY_FAILED, closed: DELIVERY_FAILED}


def test_webhook_signatures_use_their_own_key(api: TestClient, db: Db, tmp_path: Path,
                                              receiver: tuple[str, list[tuple[bytes, str]]]) -> None:
    url, received = receiver
    settings = make_settings(db.url, tmp_path, webhook_allow_private=True)
    _escalate_to(db, settings, [url])
    body, signature = received[0]
    assert settings.webhook_signing_key and settings.webhook_signing_key != settings.secret_key
    assert signature == "sha256=" + hmac.new(settings.webhook_signing_key.encode(), body, hashlib.sha256).hexdigest()
    assert signature != "sha256=" + hmac.new(settings.secret_key.encode(), body, hashlib.sha256).hexdigest()
