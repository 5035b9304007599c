"""Sync worker and API client against a fake server whose network drops at random."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobile.core.api_client import ApiClient, NetworkError, NotSignedIn
from mobile.core.outbox import Outbox
from mobile.core.sync_worker import Backoff, BackgroundSync, SyncWorker, sync_until_done
from tests.mobile.fake_server import FakeServer, SimulatedCrash

KINDS = ("check_in", "note", "concern", "check_out")


def client_for(server: FakeServer) -> ApiClient:
    client = ApiClient("http://phone.test", transport=server.transport())
    client.sign_in("carer", "pw")
    return client


def fill(outbox: Outbox, n: int, rng: random.Random) -> list[str]:
    return [outbox.enqueue(rng.choice(KINDS), rng.randint(1, 20), {"text": f"n{i}"}).idempotency_key for i in range(n)]


def assert_exactly_once(server: FakeServer, outbox: Outbox, keys: list[str]) -> None:
    assert set(server.applied) == set(keys), "every action reached the server"
    assert max(server.writes.values()) == 1, "no action was written twice"
    assert server.order == keys, "the server applied them in the order the carer took them"
    assert all(a.state in ("applied", "duplicate") for a in outbox.all())
    assert outbox.counts().unsynced == 0


def test_drains_in_batches(tmp_path: Path) -> None:
    server = FakeServer()
    outbox = Outbox(tmp_path / "o.db")
    keys = fill(outbox, 250, random.Random(1))
    report = SyncWorker(outbox, client_for(server), batch_size=100).sync_once()
    assert report.ok and report.batches == 3 and report.applied == 250 and report.remaining == 0
    assert_exactly_once(server, outbox, keys)


@pytest.mark.parametrize("seed", range(8))
def test_random_network_drops_lose_nothing_and_double_nothing(tmp_path: Path, seed: int) -> None:
    server = FakeServer(seed=seed, drop_before=0.25, drop_after=0.25, unavailable=0.1)
    outbox = Outbox(tmp_path / "o.db")
    rng = random.Random(seed)
    keys = fill(outbox, 120, rng)
    delays: list[float] = []
    report = sync_until_done(SyncWorker(outbox, client_for(server), batch_size=rng.choice([1, 7, 50])),
                             backoff=Backoff(rng=rng), sleep=delays.append)
    assert report.ok and report.remaining == 0
    assert_exactly_once(server, outbox, keys)
    assert report.duplicate >= 0 and all(0 < d <= 60 for d in delays)


@pytest.mark.parametrize("seed", range(5))
def test_app_killed_mid_sync_resumes_with_the_same_keys(tmp_path: Path, seed: int) -> None:
    """The process dies after the server applied a batch but before the phone recorded it."""
    server = FakeServer(seed=seed, crash_after=0.4, drop_before=0.1, drop_after=0.1)
    rng = random.Random(seed)
    keys: list[str] = []
    crashes = 0
    for round_ in range(60):
        outbox = Outbox(tmp_path / "o.db")  # a fresh process each round: only the file survives
        if round_ < 5:
            keys += fill(outbox, 30, rng)  # the carer keeps working between crashes
        try:
            report = sync_until_done(SyncWorker(outbox, client_for(server), batch_size=10), sleep=lambda _s: None)
        except SimulatedCrash:
            crashes += 1
            continue
        finally:
            outbox.close()
        if round_ >= 5 and report.remaining == 0:
            break
    outbox = Outbox(tmp_path / "o.db")
    assert crashes > 0
    assert_exactly_once(server, outbox, keys)
    assert any(a.state == "duplicate" for a in outbox.all()), "a resend after a crash came back as duplicate"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(faults=st.lists(st.sampled_from(["ok", "before", "after", "503", "crash"]), min_size=1, max_size=30),
       batch=st.integers(1, 12), n=st.integers(1, 40))
def test_any_fault_schedule_ends_with_each_action_once(tmp_path_factory: pytest.TempPathFactory,
                                                      faults: list[str], batch: int, n: int) -> None:
    path = tmp_path_factory.mktemp("prop") / "o.db"
    server = FakeServer()
    schedule = iter(faults)
    original = server._sync

    def scripted(request):  # type: ignore[no-untyped-def]
        fault = next(schedule, "ok")
        server.drop_before = 1.0 if fault == "before" else 0.0
        server.unavailable = 1.0 if fault == "503" else 0.0
        server.drop_after = 1.0 if fault == "after" else 0.0
        server.crash_after = 1.0 if fault == "crash" else 0.0
        return original(request)

    server._sync = scripted  # type: ignore[method-assign]
    seed_outbox = Outbox(path)
    keys = fill(seed_outbox, n, random.Random(n))
    seed_outbox.close()
    for _ in range(len(faults) + 5):
        outbox = Outbox(path)
        try:
            report = sync_until_done(SyncWorker(outbox, client_for(server), batch_size=batch), sleep=lambda _s: None,
                                     max_rounds=len(faults) + 5)
        except SimulatedCrash:
            continue
        finally:
            outbox.close()
        if report.remaining == 0:
            break
    assert_exactly_once(server, Outbox(path), keys)


def test_a_rejected_action_never_blocks_the_others(tmp_path: Path) -> None:
    server = FakeServer()
    server.reject_kinds = {"check_out"}
    outbox = Outbox(tmp_path / "o.db")
    a = outbox.enqueue("check_out", 1, {"method": "gps"}).idempotency_key
    b = outbox.enqueue("note", 1, {"text": "x"}).idempotency_key
    report = SyncWorker(outbox, client_for(server)).sync_once()
    assert report.rejected == 1 and report.applied == 1 and report.remaining == 0
    assert outbox.get(a).state == "rejected" and outbox.get(a).reason == "check_out refused"
    assert outbox.get(b).state == "applied"


def test_a_batch_refused_whole_is_split_to_find_the_bad_action(tmp_path: Path) -> None:
    server = FakeServer()
    outbox = Outbox(tmp_path / "o.db")
    keys = fill(outbox, 9, random.Random(3))
    server.malformed_keys = {keys[4]}
    report = SyncWorker(outbox, client_for(server), batch_size=9).sync_once()
    assert report.remaining == 0 and report.rejected == 1
    assert outbox.get(keys[4]).state == "rejected" and "invalid" in (outbox.get(keys[4]).reason or "")
    assert set(server.applied) == set(keys) - {keys[4]} and max(server.writes.values()) == 1


def test_expired_token_signs_in_again(tmp_path: Path) -> None:
    server = FakeServer(token_ttl=60)
    now = [0.0]
    client = ApiClient("http://phone.test", transport=server.transport(), clock=lambda: now[0])
    client.sign_in("carer", "pw")
    outbox = Outbox(tmp_path / "o.db")
    outbox.enqueue("note", 1, {"text": "x"})
    now[0] = 120.0  # past expiry: the client re-signs in before sending
    assert SyncWorker(outbox, client).sync_once().ok
    assert server.tokens_issued == 2
    server.valid_tokens.clear()  # revoked server side: a 401 triggers one re-sign-in
    outbox.enqueue("note", 1, {"text": "y"})
    assert SyncWorker(outbox, client).sync_once().ok
    assert server.tokens_issued == 3


def test_wrong_password_is_a_clear_error() -> None:
    client = ApiClient("http://phone.test", transport=FakeServer().transport())
    with pytest.raises(NotSignedIn, match="invalid username or password"):
        client.sign_in("carer", "nope")


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    backoff = Backoff(base_s=1, cap_s=30, rng=random.Random(0))
    for failures, (low, high) in {1: (0.5, 1), 2: (1, 2), 3: (2, 4), 5: (8, 16), 10: (15, 30)}.items():
        values = {round(backoff.delay(failures), 6) for _ in range(20)}
        assert all(low <= v <= high for v in values) and len(values) > 1


def test_background_sync_wakes_and_retries(tmp_path: Path) -> None:
    server = FakeServer(seed=2, drop_before=0.5)
    outbox = Outbox(tmp_path / "o.db")
    done = threading.Event()

    def on_report(report):  # type: ignore[no-untyped-def]
        if report.ok and report.remaining == 0 and outbox.counts().applied == 20:
            done.set()

    background = BackgroundSync(SyncWorker(outbox, client_for(server), batch_size=5),
                                backoff=Backoff(base_s=0.01, cap_s=0.05), idle_interval_s=10, on_report=on_report)
    background.start()
    try:
        fill(outbox, 20, random.Random(0))
        background.wake()
        assert done.wait(10)
    finally:
        background.stop()
    assert max(server.writes.values()) == 1


def test_offline_start_with_the_last_users_password_then_sync_when_back(tmp_path: Path) -> None:
    from mobile.core.session import Session

    server = FakeServer()
    online = {"up": True}
    transport = server.transport()

    class Switchable(httpx.BaseTransport):
        def handle_request(self, request):  # type: ignore[no-untyped-def]
            if not online["up"]:
                raise httpx.ConnectError("no signal", request=request)
            return transport.handle_request(request)

    session = Session(tmp_path, transport=Switchable(), sync_interval_s=0.05, backoff=Backoff(0.01, 0.05))
    me = session.sign_in("http://phone.test", "carer", "pw")
    session.close()
    online["up"] = False
    session = Session(tmp_path, transport=Switchable(), sync_interval_s=0.05, backoff=Backoff(0.01, 0.05))
    with pytest.raises(NetworkError):
        session.sign_in("http://phone.test", "carer", "wrong")
    with pytest.raises(NetworkError):
        session.sign_in("http://phone.test", "someone-else", "pw")
    assert session.sign_in("http://phone.test", "carer", "pw") == me and session.offline_start
    key = session.outbox.enqueue("note", 1, {"text": "offline"}).idempotency_key
    session.sync_now()
    online["up"] = True
    deadline = time.monotonic() + 10
    while session.outbox.get(key).state != "applied" and time.monotonic() < deadline:
        time.sleep(0.02)
    session.close()
    assert key in server.applied
    assert "pw" not in (tmp_path / "signin.json").read_text()
