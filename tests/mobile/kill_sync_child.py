"""Child process for the kill-mid-sync test: queue notes, then sync; the parent SIGKILLs it.

``python -m tests.mobile.kill_sync_child SERVER DATA_DIR VISIT_ID N`` queues N notes (only
when the outbox is empty), then syncs in batches of 5. After each batch the server has
applied, it prints ``applied-not-recorded`` and pauses before recording the answer, so the
parent (with the "ask" argument) can kill it at the worst moment or answer "go".
"""

from __future__ import annotations

import sys
from pathlib import Path

from mobile.core.api_client import ApiClient
from mobile.core.outbox import Outbox
from mobile.core.sync_worker import SyncWorker, sync_until_done


def main() -> int:
    server, data_dir, visit_id, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    interactive = len(sys.argv) > 5 and sys.argv[5] == "ask"
    outbox = Outbox(data_dir / "outbox.db")
    if not outbox.all():
        for i in range(n):
            outbox.enqueue("note", visit_id, {"text": f"kill-test note {i:03d}"})
    client = ApiClient(server)
    client.sign_in("carer.demo", "demo-password")
    original = client.sync

    def sync(actions):  # type: ignore[no-untyped-def]
        results = original(actions)
        print("applied-not-recorded", flush=True)
        if interactive:  # the parent answers "go", or kills us right here
            sys.stdin.readline()
        return results

    client.sync = sync  # type: ignore[method-assign]
    report = sync_until_done(SyncWorker(outbox, client, batch_size=5), sleep=lambda _s: None, max_rounds=5)
    print(f"done {report.remaining}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
