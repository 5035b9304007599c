"""The commissioner's report of the hub: cost per person against readings, alerts, escalations and admissions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar.testing import TestClient

COSTS = "/api/v1/telehealth/costs"
Headers = Callable[[str], dict[str, str]]


def test_cost_per_person_against_outcomes(api: TestClient, headers_for: Headers) -> None:
    commissioner = headers_for("commissioner.demo")
    report = api.get(COSTS, params={"limit": 500}, headers=commissioner).json()
    totals = report["totals"]
    assert report["total"] == totals["people"] == 60
    # Everyone was enrolled before the 30 days: monthly monitoring only, about one month each (30 of 30.44 days).
    assert 2300 <= totals["cost_per_person_pence"] <= 2500
    assert totals["readings_expected"] > 0 and 80 <= totals["adherence_percent"] <= 101
    assert totals["escalations"] == totals["admissions"] == 0
    clinician = headers_for("clinician.demo")
    client_id = report["items"][0]["client"]["id"]
    for kind in ("gp_escalation", "hospital_admission"):
        api.post(f"/api/v1/hub/people/{client_id}/interventions", json={"kind": kind, "outcome": "x"}, headers=clinician)
    after = api.get(COSTS, params={"limit": 500}, headers=commissioner).json()
    mine = next(item for item in after["items"] if item["client"]["id"] == client_id)
    assert (mine["escalations"], mine["admissions"]) == (1, 1)
    assert (after["totals"]["escalations"], after["totals"]["admissions"]) == (1, 1)
    assert api.get(COSTS, params={"from": "2026-11-20", "to": "2026-11-01"}, headers=commissioner).status_code == 400


@pytest.mark.parametrize("username", ["clinician.demo", "admin.demo", "supervisor.demo", "client.demo"])
def test_only_commissioners_read_the_cost_report(api: TestClient, headers_for: Headers, username: str) -> None:
    assert api.get(COSTS, headers=headers_for(username)).status_code == 403
