"""Fuzz: schemathesis drives every operation of the live server's OpenAPI with signed-in tokens.

No response may be a 5xx or break the documented schema. A bounded number of
examples per operation and role keeps it within the suite's time budget; the
slow variant runs more.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import experimental
from schemathesis.checks import not_a_server_error, response_schema_conformance

from fixtures.city import DEMO_PASSWORD
from tests.support.hypothesis_compat import install as install_hypothesis_compat
from tests.support.servers import ServerProcess, free_port

# Calls that end the fuzzing session itself (tested directly in test_security).
SKIP = {("POST", "/api/v1/auth/sign-out"), ("POST", "/api/v1/me/password"),
        ("POST", "/api/v1/device-sessions/{session_id}/revoke")}
experimental.OPEN_API_3_1.enable()
install_hypothesis_compat()
ALL_ROLES = ("carer.demo", "supervisor.demo", "admin.demo", "commissioner.demo")
QUICK_ROLES = ("carer.demo", "admin.demo")


def _fuzz(database_url: str, tmp_path: Path, examples: int, roles: tuple[str, ...]) -> list[str]:
    warnings.filterwarnings("ignore", category=Warning, module="hypothesis")
    server = ServerProcess(database_url, free_port(), tmp_path / "server", scheduler=False,
                           extra_env={"DOMICARE_SIGNIN_IP_LIMIT_PER_MINUTE": "100000"})
    server.start()
    failures: list[str] = []
    try:
        tokens = {}
        for username in roles:
            response = httpx.post(f"{server.base_url}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}, timeout=60)
            tokens[username] = response.json()["access_token"]
        schema = schemathesis.from_uri(f"{server.base_url}/schema/openapi.json", base_url=server.base_url)
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in SKIP:
                continue
            strategy = operation.as_strategy()
            for username in roles:
                headers = {"Authorization": f"Bearer {tokens[username]}"}
                for _ in range(examples):
                    case = strategy.example()
                    try:
                        response = case.call(headers={**(case.headers or {}), **headers}, timeout=30)
                        case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))
                    except Exception as exc:  # collect every operation's first failure, not only the first overall
                        failures.append(f"{operation.method.upper()} {operation.path} as {username}: {str(exc)[:1500]}")
                        break
    finally:
        server.stop()
    return failures


def test_fuzz_finds_no_server_errors_or_schema_violations(seeded_db_url: str, tmp_path: Path) -> None:
    failures = _fuzz(seeded_db_url, tmp_path, examples=int(os.environ.get("DOMICARE_FUZZ_EXAMPLES", "3")),
                     roles=QUICK_ROLES)
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DOMICARE_SLOW"), reason="long variant: set DOMICARE_SLOW=1")
@pytest.mark.timeout(1800)
def test_fuzz_longer(seeded_db_url: str, tmp_path: Path) -> None:
    failures = _fuzz(seeded_db_url, tmp_path, examples=25, roles=ALL_ROLES)
    assert not failures, "\n\n".join(failures)
