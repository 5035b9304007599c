"""FHIR in, against the published HL7 R4 vital-sign examples: each is taken in, or refused for a true reason."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from sensors.vitals import VitalsError, parse_observation
from shared.vitals import VitalSign as S
from tests.monitoring.conftest import first_client
from tests.monitoring.test_fhir_export import _check

EXAMPLES = {resource["id"]: resource for resource in json.loads(
    (Path(__file__).parent / "data" / "hl7_r4_vital_sign_examples.json").read_text())["examples"]}

# (example id, readings expected in canonical units, the date text when the example records no time)
TAKEN_IN = [
    ("blood-pressure", {S.SYSTOLIC_BP: 107, S.DIASTOLIC_BP: 60}, "2012-09-17"),
    ("blood-pressure-dar", {S.SYSTOLIC_BP: 107}, "2012-09-17"),  # the diastolic is absent, the systolic kept
    ("bmi", {S.BMI: 16.2}, "1999-07-02"),
    ("body-height", {S.BODY_HEIGHT: 169.93}, "1999-07-02"),  # 66.9 [in_i]
    ("body-temperature", {S.TEMPERATURE: 36.5}, "1999-07-02"),
    ("heart-rate", {S.HEART_RATE: 44}, "1999-07-02"),
    ("respiratory-rate", {S.RESPIRATORY_RATE: 26}, "1999-07-02"),
    ("satO2", {S.SPO2: 95}, None),
    ("f001", {S.GLUCOSE: 6.3}, None),  # effectivePeriod.start
    ("example", {S.BODY_WEIGHT: 83.91}, "2016-03-28"),  # 185 [lb_av]
    ("vitals-panel", {}, "1999-07-02"),  # its readings are its members, read where they are
]


@pytest.mark.parametrize(("example", "expected", "date_only"), TAKEN_IN, ids=[row[0] for row in TAKEN_IN])
def test_the_published_examples_are_taken_in(example: str, expected: dict[S, float], date_only: str | None) -> None:
    readings = parse_observation(EXAMPLES[example])
    assert {r.sign: round(r.value, 2) for r in readings} == expected
    assert {r.date_only for r in readings} <= {date_only}


def test_a_cancelled_blood_pressure_is_refused_for_that_reason() -> None:
    with pytest.raises(VitalsError, match="status 'cancelled' cannot be accepted"):
        parse_observation(EXAMPLES["blood-pressure-cancel"])


@pytest.mark.parametrize(("code", "value", "unit", "mmol"), [
    ("2339-0", 110, "mg/dL", 6.11), ("41653-7", 72, "mg/dL", 4.0), ("15074-8", 6.3, "mmol/L", 6.3),
    ("14743-9", 5.2, "mmol/L", 5.2), ("2339-0", 1.1, "g/L", 6.11),
])
def test_mass_and_molar_glucose_codes_convert_to_mmol(code: str, value: float, unit: str, mmol: float) -> None:
    resource = copy.deepcopy(EXAMPLES["f001"])
    resource["code"]["coding"] = [{"system": "http://loinc.org", "code": code}]
    resource["valueQuantity"] = {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    (reading,) = parse_observation(resource)
    assert (reading.sign, round(reading.value, 2)) == (S.GLUCOSE, mmol)


def _as_client(resource: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The example as a real sender would send it: about our patient."""
    return {**copy.deepcopy(resource), "subject": {"reference": f"Patient/{client_id}"}}


def test_a_bundle_of_the_examples_gets_an_outcome_per_entry_and_exports_valid_fhir(
        api: TestClient, supervisor: dict[str, str]) -> None:
    client_id = first_client(api, supervisor)["id"]
    order = ["blood-pressure", "blood-pressure-cancel", "bmi", "vitals-panel", "satO2", "example", "blood-pressure-dar"]
    bundle = {"resourceType": "Bundle", "type": "batch",
              "entry": [{"resource": _as_client(EXAMPLES[name], client_id)} for name in order]}
    path = f"/api/v1/clients/{client_id}/observations"
    response = api.post(path, json=bundle, headers=supervisor)
    assert response.status_code == 201, response.text
    outcomes = [(e["index"], e["status"], e["observations"]) for e in response.json()["entries"]]
    assert outcomes == [(0, "stored", 2), (1, "refused", 0), (2, "stored", 1), (3, "read through its members", 0),
                        (4, "stored", 1), (5, "stored", 1), (6, "stored", 1)]
    assert "cancelled" in response.json()["entries"][1]["reason"]
    # Replayed, nothing is written twice.
    again = api.post(path, json=bundle, headers=supervisor)
    assert again.status_code == 201
    stored = api.get(path, headers=supervisor, params={"limit": 100}).json()
    assert stored["total"] == 5  # 2012-09-17 107/60 and 107/- share the systolic; BMI, SpO2, weight
    dated = {(o["sign"], o["date_only"]) for o in stored["items"]}
    assert ("bmi", "1999-07-02") in dated and ("spo2", None) in dated  # the time was not recorded: kept as such
    exported = api.get(path, headers=supervisor, params={"format": "fhir"}).json()
    _check(exported)
    assert "1999-07-02" in {e["resource"]["effectiveDateTime"] for e in exported["entry"]}


def test_a_bundle_with_no_usable_entry_is_refused_with_each_reason(api: TestClient, supervisor: dict[str, str]) -> None:
    client_id = first_client(api, supervisor)["id"]
    bundle = {"resourceType": "Bundle", "type": "batch",
              "entry": [{"resource": _as_client(EXAMPLES["blood-pressure-cancel"], client_id)}, {"resource": []}]}
    refused = api.post(f"/api/v1/clients/{client_id}/observations", json=bundle, headers=supervisor)
    assert refused.status_code == 400
    assert "entry[0]: Observation status 'cancelled'" in refused.json()["detail"]
    assert "entry[1]: expected a FHIR Observation" in refused.json()["detail"]
