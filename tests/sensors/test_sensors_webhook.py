"""The webhook parser: every hostile body is a PayloadError with a reason, never another exception."""

from __future__ import annotations

import json

import pytest

from sensors.adapters.base import PayloadError
from sensors.adapters.webhook import parse_webhook
from shared.enums import SensorKind

GOOD = {"sensor": "kettle", "kind": "power", "value": 2100.5, "time": "2024-05-01T09:40:00Z", "room": "Kitchen"}


def test_a_reading_and_a_batch_parse():
    (single,) = parse_webhook(json.dumps(GOOD).encode(), "home-1")
    assert (single.home, single.room, single.kind, single.value) == ("home-1", "kitchen", SensorKind.POWER, 2100.5)
    assert len(parse_webhook(json.dumps({"events": [GOOD, GOOD]}).encode(), "home-1")) == 2


@pytest.mark.parametrize("body", [
    b"[" * 100_000,                                              # RecursionError before
    b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    json.dumps({**GOOD, "time": "9999-12-31T23:59:59-23:59"}).encode(),  # OverflowError converting to UTC
    json.dumps({**GOOD, "time": "0001-01-01T00:00:00+23:59"}).encode(),
    json.dumps({**GOOD, "value": 10**400}).encode(),
    json.dumps({**GOOD, "value": "2100"}).encode(),
    json.dumps({**GOOD, "value": {"v": 1}}).encode(),
    json.dumps({**GOOD, "value": float("nan")}).encode(),
    b'{"sensor": "kettle", "kind": "power", "value": 1e400, "time": "2024-05-01T09:40:00Z"}',
    json.dumps({**GOOD, "kind": ["power"]}).encode(),
    json.dumps({**GOOD, "room": ["kitchen"]}).encode(),
    json.dumps({**GOOD, "sensor": " "}).encode(),
    json.dumps({**GOOD, "time": "2024-05-01T09:40:00"}).encode(),
    json.dumps({"events": {"0": GOOD}}).encode(),
    json.dumps({"events": [GOOD, 5]}).encode(),
    json.dumps({"events": []}).encode(),
    b"\xff\xfe", b"", b"null", b"42", b'"kettle"',
])
def test_hostile_bodies_are_payload_errors_with_a_reason(body):
    with pytest.raises(PayloadError) as raised:
        parse_webhook(body, "home-1")
    assert str(raised.value).strip()
