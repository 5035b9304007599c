"""The outbox alone: durable writes, states, verdicts, drafts."""

from __future__ import annotations

import uuid
from pathlib import Path

from mobile.core.outbox import Outbox


def test_enqueue_is_durable_and_keyed(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db")
    a = outbox.enqueue("check_in", 5, {"method": "manual", "reason": "no_signal"})
    b = outbox.enqueue("note", 5, {"text": "hello"})
    outbox.close()  # as if the app were killed right after
    again = Outbox(tmp_path / "o.db")
    rows = again.unsynced()
    assert [r.idempotency_key for r in rows] == [a.idempotency_key, b.idempotency_key]
    assert uuid.UUID(a.idempotency_key).version == 4 and a.idempotency_key != b.idempotency_key
    assert rows[0].payload == {"method": "manual", "reason": "no_signal"} and rows[0].state == "pending"
    assert rows[0].at.endswith("Z")
    assert rows[1].to_wire() == {"idempotency_key": b.idempotency_key, "kind": "note", "visit_id": 5,
                                 "at": b.at, "payload": {"text": "hello"}}


def test_states_and_verdicts(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db")
    keys = [outbox.enqueue("note", 1, {"text": str(i)}).idempotency_key for i in range(4)]
    outbox.mark_sent(keys[:3])
    assert outbox.counts().sent == 3 and outbox.counts().pending == 1 and outbox.counts().unsynced == 4
    outbox.record_results([
        {"idempotency_key": keys[0], "status": "applied", "result": {"event_id": 1}, "problem": None},
        {"idempotency_key": keys[1], "status": "duplicate", "result": {"event_id": 1}, "problem": None},
        {"idempotency_key": keys[2], "status": "rejected", "result": None,
         "problem": {"title": "Conflict", "status": 409, "detail": "check out before check in"}},
    ])
    assert outbox.get(keys[0]).state == "applied" and outbox.get(keys[0]).result == {"event_id": 1}
    assert outbox.get(keys[1]).synced
    rejected = outbox.rejected()
    assert [r.idempotency_key for r in rejected] == [keys[2]]
    assert rejected[0].reason == "check out before check in"
    # a late duplicate answer never overwrites a verdict
    outbox.record_results([{"idempotency_key": keys[0], "status": "rejected", "result": None, "problem": {}}])
    assert outbox.get(keys[0]).state == "applied"
    assert [a.idempotency_key for a in outbox.unsynced()] == [keys[3]]
    assert outbox.get(keys[0]).attempts == 1


def test_resend_keeps_the_same_key(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db")
    key = outbox.enqueue("check_in", 2, {"method": "gps", "location": {"lat": 1, "lon": 2, "accuracy_m": 5}}).idempotency_key
    outbox.mark_sent([key])
    outbox.close()
    again = Outbox(tmp_path / "o.db")
    (action,) = again.unsynced()
    assert action.idempotency_key == key and action.state == "sent"
    again.mark_sent([key])
    assert again.get(key).attempts == 2


def test_drafts_survive_restart(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db")
    outbox.save_draft(3, {"tasks": {"1": {"outcome": "done", "note": ""}}})
    outbox.save_draft(3, {"tasks": {"1": {"outcome": "refused", "note": "asleep"}}})
    outbox.close()
    assert Outbox(tmp_path / "o.db").load_draft(3) == {"tasks": {"1": {"outcome": "refused", "note": "asleep"}}}
    assert Outbox(tmp_path / "o.db").load_draft(4) == {}
