"""Offline sync: batches applied in order, exactly once, whatever is replayed and however often."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from tests.conftest import sign_in
from tests.support.visits import all_given, events_with_keys, gps_at, key, now_iso, todays_rota, visit_not_assigned_to

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py


def _action(kind: str, visit: dict, payload: dict, idem: str | None = None) -> dict:
    return {"idempotency_key": idem or key(), "kind": kind, "visit_id": visit["id"], "at": now_iso(-2), "payload": payload}


def _visit_day(visit: dict) -> list[dict]:
    """A whole visit as the phone queues it offline: check-in, two notes, check-out."""
    return [
        _action("check_in", visit, gps_at(visit)),
        _action("note", visit, {"text": "Made breakfast."}),
        _action("note", visit, {"text": "Client asked about the GP appointment."}),
        _action("check_out", visit, {**gps_at(visit), **all_given(visit)}),
    ]


def _sync(api: TestClient, headers: dict[str, str], actions: list[dict]) -> list[dict]:
    response = api.post("/api/v1/sync", json={"actions": actions}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_a_rejected_action_never_blocks_the_others(api: TestClient, seeded_db_url: str) -> None:
    headers = sign_in(api, "carer.demo")
    visit = todays_rota(api, headers)[0]
    foreign = {"id": visit_not_assigned_to(seeded_db_url, "carer.demo", provider_id=1)}
    day = _visit_day(visit)
    batch = [
        day[0],
        _action("note", foreign, {"text": "wrong visit"}),
        _action("note", visit, {"text": ""}),  # empty note: invalid payload
        _action("check_out", visit, gps_at(visit)),  # medication outcomes missing
        *day[1:],
    ]
    results = _sync(api, headers, batch)
    assert [r["idempotency_key"] for r in results] == [a["idempotency_key"] for a in batch]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "rejected", "applied", "applied", "applied"]
    assert [r["problem"]["status"] for r in results if r["problem"]] == [403, 400, 422]
    assert results[-1]["result"]["visit"]["status"] == "completed"


def test_replaying_1000_times_in_random_order_stores_each_action_once(api: TestClient, seeded_db_url: str) -> None:
    headers = sign_in(api, "carer.demo")
    rota = todays_rota(api, headers)
    actions = [_action("note", rota[i % len(rota)], {"text": f"note {i}"}) for i in range(20)]
    first = {r["idempotency_key"]: r for r in _sync(api, headers, actions)}
    assert {r["status"] for r in first.values()} == {"applied"}
    replays = actions * 50
    random.Random(4).shuffle(replays)
    for start in range(0, len(replays), 250):
        for result in _sync(api, headers, replays[start : start + 250]):
            assert result["status"] == "duplicate"
            assert result["result"] == first[result["idempotency_key"]]["result"]
    stored = events_with_keys(seeded_db_url, [a["idempotency_key"] for a in actions])
    assert sorted(k for k, _ in stored) == sorted(a["idempotency_key"] for a in actions)


def test_the_same_key_over_the_direct_endpoint_and_sync_is_one_action(api: TestClient, seeded_db_url: str) -> None:
    headers = sign_in(api, "carer.demo")
    visit = todays_rota(api, headers)[0]
    check_in = _action("check_in", visit, gps_at(visit))
    direct = api.post(f"/api/v1/visits/{visit['id']}/check-in", json={"at": check_in["at"], **check_in["payload"]},
                      headers={**headers, "Idempotency-Key": check_in["idempotency_key"]})
    assert direct.status_code == 201
    (synced,) = _sync(api, headers, [check_in])
    assert synced["status"] == "duplicate" and synced["result"] == direct.json()
    assert len(events_with_keys(seeded_db_url, [check_in["idempotency_key"]])) == 1


def test_another_carer_cannot_claim_a_used_key(api: TestClient, seeded_db_url: str) -> None:
    from tests.support.visits import double_handed_today

    visit_id, (first, second) = double_handed_today(seeded_db_url)
    a, b = sign_in(api, first), sign_in(api, second)
    visit = {v["id"]: v for v in todays_rota(api, a)}[visit_id]
    note = _action("note", visit, {"text": "shared visit"})
    assert _sync(api, a, [note])[0]["status"] == "applied"
    (stolen,) = _sync(api, b, [note])
    assert stolen["status"] == "rejected" and stolen["problem"]["status"] == 409


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_interleaving_of_replays_gives_the_same_final_state(api: TestClient, seeded_db_url: str, data: st.DataObject) -> None:
    """Resends are order-preserving subsets of the queue (the phone sends oldest first), ending with the whole queue."""
    headers = sign_in(api, "carer.demo")
    fresh = [v for v in todays_rota(api, headers) if v["my_check_in"] is None and v["carers_needed"] == 1]
    visit = fresh[0]
    queue = _visit_day(visit)
    resends = data.draw(st.lists(st.lists(st.booleans(), min_size=len(queue), max_size=len(queue)), max_size=5))
    first_results: dict[str, dict] = {}
    for mask in [*resends, [True] * len(queue)]:
        sent = [a for a, keep in zip(queue, mask) if keep]
        for result in _sync(api, headers, sent):
            if result["status"] == "applied":
                first_results[result["idempotency_key"]] = result["result"]
            elif result["status"] == "duplicate":
                assert result["result"] == first_results[result["idempotency_key"]]
    stored = events_with_keys(seeded_db_url, [a["idempotency_key"] for a in queue])
    assert sorted(stored) == sorted((a["idempotency_key"], a["kind"]) for a in queue)
    after = next(v for v in todays_rota(api, headers) if v["id"] == visit["id"])
    assert after["status"] == "completed" and after["my_check_out"] is not None
