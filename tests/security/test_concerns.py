"""A concern's text reaches the supervisor, each read audited like case notes, and never a commissioner
(issue 14, item 6)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from backend.domain.alerts.models import Alert
from backend.domain.audit.models import AuditLog
from tests.conftest import sign_in
from tests.support.database import Db
from tests.support.visits import now_iso, post, todays_rota

pytestmark = pytest.mark.clock_sensitive  # replayed under other clocks by tests/test_any_hour.py

TEXT = "Unexplained bruising on the left forearm; says she fell but the story changed."


def _reads(db: Db) -> list[tuple[str, str]]:
    return [(r.entity, r.entity_id) for r in db.scalars(select(AuditLog).where(AuditLog.action == "concerns.read")
                                                       .order_by(AuditLog.id))]


def test_the_supervisor_reads_what_the_carer_wrote_from_the_alert_and_the_visit_and_each_read_is_audited(
    api: TestClient, db: Db
) -> None:
    carer, supervisor = sign_in(api, "carer.demo"), sign_in(api, "supervisor.demo")
    visit = todays_rota(api, carer)[0]
    raised = post(api, f"/api/v1/visits/{visit['id']}/concerns", carer,
                  {"at": now_iso(), "category": "safeguarding", "text": TEXT})
    assert raised.status_code == 201, raised.text
    alert_id = raised.json()["alert_id"]

    # the alert itself carries no copy of the text: the board and the alert list show the message only
    board = api.get("/api/v1/board", headers=supervisor).json()
    listed = next(a for a in board["alerts"]["items"] if a["id"] == alert_id)
    assert TEXT not in str(listed) and "safeguarding" in listed["message"].lower()
    assert all(TEXT not in str(a.detail) for a in db.scalars(select(Alert).where(Alert.id == alert_id)))
    assert _reads(db) == []

    from_alert = api.get(f"/api/v1/alerts/{alert_id}/concern", headers=supervisor)
    assert from_alert.status_code == 200, from_alert.text
    concern = from_alert.json()
    assert concern | {"at": None, "event_id": 0, "carer": None} == {
        "event_id": 0, "visit_id": visit["id"], "alert_id": alert_id, "carer": None, "at": None,
        "category": "safeguarding", "text": TEXT}
    assert concern["event_id"] == raised.json()["event_id"] and concern["carer"]["name"]

    on_record = api.get(f"/api/v1/visits/{visit['id']}/concerns-raised", headers=supervisor)
    assert on_record.status_code == 200, on_record.text
    assert [(c["text"], c["alert_id"]) for c in on_record.json()["items"]] == [(TEXT, alert_id)]
    assert _reads(db) == [("alert", str(alert_id)), ("visit", str(visit["id"]))]
    assert api.get(f"/api/v1/visits/{visit['id']}/concerns-raised", headers=sign_in(api, "admin.demo")).status_code == 200


def test_commissioners_carers_and_other_providers_never_read_a_concern(api: TestClient, db: Db) -> None:
    carer = sign_in(api, "carer.demo")
    visit = todays_rota(api, carer)[0]
    alert_id = post(api, f"/api/v1/visits/{visit['id']}/concerns", carer,
                    {"at": now_iso(), "category": "health", "text": TEXT}).json()["alert_id"]
    commissioner = sign_in(api, "commissioner.demo")
    for headers in (commissioner, carer):
        assert api.get(f"/api/v1/alerts/{alert_id}/concern", headers=headers).status_code == 403
        assert api.get(f"/api/v1/visits/{visit['id']}/concerns-raised", headers=headers).status_code == 403
    other = sign_in(api, "supervisor.p002")
    assert api.get(f"/api/v1/alerts/{alert_id}/concern", headers=other).status_code == 404
    assert api.get(f"/api/v1/visits/{visit['id']}/concerns-raised", headers=other).status_code == 404
    assert _reads(db) == []

    supervisor = sign_in(api, "supervisor.demo")
    not_a_concern = db.scalars(select(Alert.id).where(Alert.provider_id == 1, Alert.kind != "concern").limit(1))
    if not_a_concern:
        missing = api.get(f"/api/v1/alerts/{not_a_concern[0]}/concern", headers=supervisor)
        assert missing.status_code == 404 and "not a concern" in missing.json()["detail"]
