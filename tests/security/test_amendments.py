"""Amendments cannot bend the record: each must change something plausible, for a documented reason, and
its history is shown once per visit (issue 14, item 5)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from litestar.testing import TestClient

from shared.enums import AmendmentReason
from shared.timekeeping import LONDON
from tests.conftest import sign_in
from tests.support.visits import all_given, double_handed_today, gps_at, now_iso, post, todays_rota

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py


def _at(minutes: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat()


def _propose(api: TestClient, headers: dict[str, str], visit_id: int, changes: dict[str, Any],
             reason: str = "device_failed", comment: str = "") -> Any:
    return api.post(f"/api/v1/visits/{visit_id}/amendments", headers=headers,
                    json={"reason_code": reason, "changes": changes, "comment": comment})


def _delivered(api: TestClient, carer: dict[str, str], visit: dict[str, Any]) -> None:
    base = f"/api/v1/visits/{visit['id']}"
    assert post(api, f"{base}/check-in", carer, {"at": now_iso(-50), **gps_at(visit)}).status_code == 201
    assert post(api, f"{base}/check-out", carer, {"at": now_iso(-5), **gps_at(visit), **all_given(visit)}).status_code == 201


def test_amendments_that_change_nothing_or_are_implausible_are_refused(api: TestClient) -> None:
    carer, supervisor, admin = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo"), sign_in(api, "admin.demo")
    visit, planned = todays_rota(api, carer)[:2]
    _delivered(api, carer, visit)
    vid = visit["id"]

    refused = {
        "nothing at all": _propose(api, supervisor, vid, {}),
        "the status it has": _propose(api, supervisor, vid, {"status": "completed"}),
        "a carer alone": _propose(api, supervisor, vid, {"carer_id": 1}),
        "end before start": _propose(api, supervisor, vid, {"actual_start": _at(-10), "actual_end": _at(-40)}),
        "end before the recorded start": _propose(api, supervisor, vid, {"actual_end": _at(-55)}),
        "another year": _propose(api, supervisor, vid, {"actual_start": "2025-01-01T09:00:00+00:00"}),
        "the next day": _propose(api, supervisor, vid, {"actual_end": _at(60 * 30)}),
        "in the future": _propose(api, supervisor, vid, {"actual_end": _at(30)}),
        "'other' without a comment": _propose(api, supervisor, vid, {"actual_end": _at(-20)}, reason="other"),
        "completed with no times": _propose(api, supervisor, planned["id"], {"status": "completed"}, reason="late_entry"),
        "a carer of another provider": _propose(api, supervisor, vid, {"carer_id": 10_000, "actual_end": _at(-20)}),
    }
    for case, response in refused.items():
        assert response.status_code == 422, (case, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), case
    assert "changes nothing" in refused["nothing at all"].json()["detail"]
    assert "after the start" in refused["end before start"].json()["detail"]
    assert "too far from the visit's day" in refused["another year"].json()["detail"]
    assert "needs a comment" in refused["'other' without a comment"].json()["detail"]
    assert "needs its actual start and end" in refused["completed with no times"].json()["detail"]

    unknown = _propose(api, supervisor, vid, {"actual_end": _at(-20)}, reason="because")
    assert unknown.status_code == 400 and "reason_code" in unknown.json()["detail"]
    assert api.get("/api/v1/amendments?state=pending", headers=supervisor).json()["total"] == 0

    left_at = _at(-20)
    shorter = _propose(api, supervisor, vid, {"actual_end": left_at}, reason="client_declined_remaining")
    assert shorter.status_code == 201, shorter.text
    explained = _propose(api, supervisor, vid, {"actual_end": _at(-25)}, reason="other", comment="Left with the GP.")
    assert explained.status_code == 201, explained.text
    assert api.post(f"/api/v1/amendments/{shorter.json()['id']}/approve", headers=admin).status_code == 200
    # approval checks again against the record as it now stands
    same_again = _propose(api, supervisor, vid, {"actual_end": left_at})
    assert same_again.status_code == 422 and "changes nothing" in same_again.json()["detail"]
    assert api.post(f"/api/v1/amendments/{explained.json()['id']}/approve", headers=admin).status_code == 200


def test_a_pending_amendment_overtaken_by_another_cannot_be_approved(api: TestClient) -> None:
    carer, supervisor, admin = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo"), sign_in(api, "admin.demo")
    visit = todays_rota(api, carer)[0]
    first = _propose(api, supervisor, visit["id"], {"status": "cancelled"}, reason="client_in_hospital")
    second = _propose(api, supervisor, visit["id"], {"status": "cancelled"}, reason="cancelled_by_client")
    assert first.status_code == second.status_code == 201
    assert api.post(f"/api/v1/amendments/{first.json()['id']}/approve", headers=admin).status_code == 200
    overtaken = api.post(f"/api/v1/amendments/{second.json()['id']}/approve", headers=admin)
    assert overtaken.status_code == 422 and "changes nothing" in overtaken.json()["detail"]
    assert api.post(f"/api/v1/amendments/{second.json()['id']}/reject", headers=admin).status_code == 200


def test_every_documented_reason_code_is_accepted_and_listed_in_the_readme() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert all(f"`{code}`" in readme for code in AmendmentReason)


def test_an_amendments_history_is_shown_once_per_visit_not_per_carer_line(api: TestClient, seeded_db_url: str) -> None:
    visit_id, usernames = double_handed_today(seeded_db_url)
    supervisor, admin = sign_in(api, "supervisor.demo"), sign_in(api, "admin.demo")
    for username in usernames:
        carer = sign_in(api, username)
        _delivered(api, carer, {v["id"]: v for v in todays_rota(api, carer)}[visit_id])
    amended = _propose(api, supervisor, visit_id, {"actual_end": _at(-15)}, reason="client_declined_remaining")
    assert amended.status_code == 201, amended.text
    assert api.post(f"/api/v1/amendments/{amended.json()['id']}/approve", headers=admin).status_code == 200

    day = datetime.now(timezone.utc).astimezone(LONDON).date()
    sunday = day + timedelta(days=6 - day.weekday())
    week = api.get(f"/api/v1/finance/reconciliation/clients/{_client_of(api, supervisor, visit_id, day)}",
                   params={"week_ending": str(sunday)}, headers=admin).json()
    billed = next(v for v in week["visits"] if v["visit_id"] == visit_id)
    assert [c["reason_code"] for c in billed["changes"]] == ["client_declined_remaining"]
    assert len(billed["carers"]) == 2
    assert not any("client_declined_remaining" in line["comment"] for line in billed["carers"])

    export = api.post("/api/v1/finance/exports", params={"week_ending": str(sunday), "format": "abacus-csv",
                                                          "provider_id": 1}, headers=admin)
    assert export.status_code == 200, export.text
    rows = list(csv.DictReader(io.StringIO(export.text)))
    ours = [r for r in rows if r["VisitDate"] == str(day) and "client_declined_remaining" in r["Comment"]]
    assert len(ours) == 1, "the amendment is on the visit's first row only"


def _client_of(api: TestClient, supervisor: dict[str, str], visit_id: int, day: date) -> int:
    board = api.get("/api/v1/board", params={"date": str(day), "limit": 500}, headers=supervisor).json()
    return next(v["client"]["id"] for v in board["visits"]["items"] if v["id"] == visit_id)
