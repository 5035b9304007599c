"""The telehealth hub's caseload at city scale: 1,100 people enrolled with 30 days of their own readings.

    .venv/bin/python bench/hub.py                                   # a fresh SQLite database in a temporary folder
    .venv/bin/python bench/hub.py --database-url postgresql+asyncpg://postgres@127.0.0.1/h19_hub   # an empty one

Builds a hub-only city (one authority, three providers, 2,750 clients of whom 1,100 are enrolled, as
the demo's hub step enrols them, with about 90,000 readings), then asks the real API in process, as
``clinician.demo``, for the whole caseload (``GET /api/v1/hub/caseload?limit=500``) ``--repeat`` times.
The caseload's kept signs are made once after the bulk load (as ``domicare hub refresh`` does), timed apart.
The baseline in the same run is ``GET /api/v1/me`` (sign-in check and JSON only), so the ratio says
what the worklist itself costs. Prints one JSON line: milliseconds (first, median, best) and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litestar.testing import TestClient  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.database.bulk import load_tables  # noqa: E402
from backend.database.engine import create_engine, session_factory  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.domain.telehealth.worklist import refresh  # noqa: E402
from backend.security.passwords import hash_password  # noqa: E402
from backend.tables import metadata  # noqa: E402
from fixtures.city import DEMO_PASSWORD  # noqa: E402
from fixtures.telehealth import add_hub  # noqa: E402
from shared.enums import Role  # noqa: E402
from shared.timekeeping import utc_now  # noqa: E402

PEOPLE = 1100
CLIENTS = 2750  # one in ten of each ten enrolled four times over: 1,100 enrolled
PROVIDERS = 3


def hub_city(people: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Rows for a hub-only city: providers, plain clients, the hub's clinicians and enrolments with readings."""
    tables: dict[str, list[dict[str, Any]]] = {}
    rows = lambda name: tables.setdefault(name, [])  # noqa: E731
    now = utc_now()
    rows("authority").append({"id": 1, "code": "LCC", "name": "Liverpool City Council"})
    for n in range(1, PROVIDERS + 1):
        rows("provider").append({"id": n, "authority_id": 1, "code": f"PRV{n:03d}", "name": f"Provider {n}"})
    for n in range(1, CLIENTS + 1):
        rows("client").append({"id": n, "provider_id": (n - 1) % PROVIDERS + 1, "ref": f"SU{n:06d}",
                               "name": f"Person {n:05d}", "address": f"{n} Bench Street, Liverpool",
                               "postcode": "L1 1AA", "lat": 53.4, "lon": -2.98, "geofence_radius_m": 150.0,
                               "access_notes": "", "tag_secret": f"{n:032x}", "tag_version": 1})
    password = hash_password(DEMO_PASSWORD)

    def add_user(username: str) -> int:
        user_id = len(rows("user")) + 1
        rows("user").append({"id": user_id, "username": username, "full_name": username, "password_hash": password,
                             "role": str(Role.CLINICIAN), "provider_id": None, "authority_id": None,
                             "is_active": True, "created_at": now})
        return user_id

    add_hub(rows, add_user, rows("client"), random.Random(seed), now, people)
    return tables


def timed(client: TestClient, path: str, headers: dict[str, str], repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` requests, in order."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return times


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the figures
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temporary folder)")
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/hub.db"

        async def prepare() -> tuple[int, float]:
            await upgrade(url)
            engine = create_engine(url)
            try:
                tables = hub_city(args.people, args.seed)
                await load_tables(engine, metadata.sorted_tables, tables, lambda _m: None)
                start = time.perf_counter()
                async with session_factory(engine)() as session:
                    await refresh(session)  # what `domicare hub refresh` (or the minutely job) does after a bulk load
                return len(tables["observation"]), time.perf_counter() - start
            finally:
                await engine.dispose()

        readings, refresh_seconds = asyncio.run(prepare())
        settings = Settings(database_url=url, secret_key="bench-" + "k" * 40, data_dir=Path(folder), scheduler=False,
                            max_in_flight=0)
        with TestClient(create_app(settings)) as client:
            token = client.post("/api/v1/auth/token", data={"username": "clinician.demo", "password": DEMO_PASSWORD})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            baseline = timed(client, "/api/v1/me", headers, args.repeat)
            worklist = timed(client, "/api/v1/hub/caseload?limit=500", headers, args.repeat)
            total = client.get("/api/v1/hub/caseload?limit=1", headers=headers).json()["total"]
    rest = worklist[1:] or worklist
    print(json.dumps({
        "bench": "hub_caseload", "database": url.split(":")[0], "people": total, "readings": readings,
        "repeat": args.repeat, "worklist_first_ms": round(worklist[0], 1),
        "worklist_median_ms": round(statistics.median(rest), 1), "worklist_best_ms": round(min(rest), 1),
        "baseline_me_median_ms": round(statistics.median(baseline[1:] or baseline), 2),
        "ratio_to_baseline": round(statistics.median(rest) / statistics.median(baseline[1:] or baseline), 1),
        "target_ms": 300, "kept_signs_made_s": round(refresh_seconds, 2),
    }))


if __name__ == "__main__":
    main()
