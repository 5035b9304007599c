"""The FHIR export checked by what we did not write: the ``fhir.resources`` R4B models (the same as R4 for
Observation and Bundle) and the R4 invariants that matter, evaluated with ``fhirpathpy`` on the R4 model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhirpathpy import evaluate
from fhirpathpy.models import models
from litestar.testing import TestClient

from sensors.vitals import to_bundle
from shared.vitals import VitalObservation, VitalSign
from tests.monitoring.conftest import first_client

R4 = models["r4"]
# Bundle invariants (R4 Bundle): bdl-1 total only in a search or history; bdl-2 entry.search only in a
# searchset; bdl-7 fullUrl unique; bdl-8 fullUrl not version-specific.
BUNDLE_RULES = {
    "bdl-1": "total.empty() or (type = 'searchset') or (type = 'history')",
    "bdl-2": "entry.search.empty() or (type = 'searchset')",
    "bdl-7": "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()",
    "bdl-8": "entry.all(fullUrl.contains('/_history/').not())",
}
# Observation (obs-6, obs-7) and the R4 vital-signs profile (vs-1, vs-2, vs-3 and its fixed category).
OBSERVATION_RULES = {
    "obs-6": "dataAbsentReason.empty() or value.empty()",
    "obs-7": "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()",
    "vs-1": "effective.ofType(dateTime).all($this.toString().length() >= 8)",
    "vs-2": "(component.empty() and hasMember.empty()) implies (dataAbsentReason.exists() or value.exists())",
    "vs-3": "component.all(value.exists() or dataAbsentReason.exists())",
    "vital-signs category": "category.coding.where(system = 'http://terminology.hl7.org/CodeSystem/observation-category'"
                            " and code = 'vital-signs').exists()",
    "subject and effective": "subject.exists() and effective.exists()",
    "oxygen saturation profile: 2708-6": "code.coding.where(code = '59408-5').exists() implies "
                                         "code.coding.where(system = 'http://loinc.org' and code = '2708-6').exists()",
    "blood pressure profile: both components": "code.coding.where(code = '85354-9').exists() implies "
                                               "(component.code.coding.where(code = '8480-6').exists() and "
                                               "component.code.coding.where(code = '8462-4').exists())",
}
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _holds(resource: dict[str, Any], expression: str) -> bool:
    return evaluate(resource, expression, {"resource": resource}, model=R4) == [True]


def _check(bundle: dict[str, Any]) -> None:
    Bundle.model_validate(bundle)  # raises on anything the R4B model refuses
    broken = [name for name, rule in BUNDLE_RULES.items() if not _holds(bundle, rule)]
    for entry in bundle["entry"]:
        resource = entry["resource"]
        broken += [f"{resource['id']}: {name}" for name, rule in OBSERVATION_RULES.items() if not _holds(resource, rule)]
    assert broken == []


@pytest.fixture
def readings(api: TestClient, supervisor: dict[str, str]) -> tuple[int, int]:
    """Three sets of six signs an hour apart (each set: five single readings and one blood-pressure panel)."""
    client_id = first_client(api, supervisor)["id"]
    for hours in range(3):
        at = NOW - timedelta(hours=hours)
        body = {"time": at.isoformat(), "respiratory_rate": 16, "spo2": 96, "systolic_bp": 124 + hours,
                "diastolic_bp": 78, "heart_rate": 70 + hours, "temperature": 36.8}
        created = api.post(f"/api/v1/clients/{client_id}/observations", json=body, headers=supervisor)
        assert created.status_code == 201, created.text
    return client_id, 3 * 5


def test_every_page_passes_the_r4_models_and_invariants_and_no_panel_is_split(
        api: TestClient, supervisor: dict[str, str], readings: tuple[int, int]) -> None:
    client_id, resources = readings
    url: str | None = f"/api/v1/clients/{client_id}/observations?format=fhir&limit=4&offset=0"
    seen: list[dict[str, Any]] = []
    pages = 0
    while url:
        bundle = api.get(url, headers=supervisor).json()
        _check(bundle)
        assert bundle["type"] == "searchset" and bundle["total"] == resources  # a true total, not the page size
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert links["self"].endswith(url.split("/api/v1", 1)[1])
        seen += [entry["resource"] for entry in bundle["entry"]]
        assert len(bundle["entry"]) <= 4
        url = links.get("next")
        pages += 1
    assert pages == 4 and len(seen) == resources
    assert len({resource["id"] for resource in seen}) == resources
    panels = [r for r in seen if r["code"]["coding"][0]["code"] == "85354-9"]
    assert sorted(c["valueQuantity"]["value"] for p in panels for c in p["component"]) == [78, 78, 78, 124, 125, 126]
    spo2 = [r for r in seen if r["code"]["coding"][0]["code"] == "2708-6"]
    assert len(spo2) == 3 and all({c["code"] for c in r["code"]["coding"]} == {"2708-6", "59408-5"} for r in spo2)


def test_a_lone_systolic_is_exported_as_a_panel_with_the_diastolic_marked_absent() -> None:
    lone = VitalObservation(client="7", sign=VitalSign.SYSTOLIC_BP, value=107.0, time=NOW, source="fhir")
    bundle = to_bundle([lone])
    _check(bundle)
    (entry,) = bundle["entry"]
    components = {c["code"]["coding"][0]["code"]: c for c in entry["resource"]["component"]}
    assert components["8480-6"]["valueQuantity"]["value"] == 107
    assert components["8462-4"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert bundle["type"] == "collection" and "total" not in bundle
