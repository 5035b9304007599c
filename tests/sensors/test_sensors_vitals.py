"""Vitals: FHIR and compact parsing with unit conversion, range checks, NEWS2 and condition rules."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from sensors.vitals import VitalsError, VitalsProfile, overdue, parse_compact, parse_observation, to_bundle, triage
from sensors.vitals.news2 import score
from shared.enums import AlertSeverity
from shared.vitals import VitalObservation, VitalSign

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
S = VitalSign


def fhir(code: str, value: float, unit: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    return {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/c1"},
            "effectiveDateTime": "2024-05-01T09:00:00+01:00",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}, **extra}


def obs(sign: VitalSign, value: float, at: datetime = T0) -> VitalObservation:
    return VitalObservation(client="c1", sign=sign, value=value, time=at, source="test")


@pytest.mark.parametrize(("code", "value", "unit", "sign", "expected"), [
    ("9279-1", 18, "/min", S.RESPIRATORY_RATE, 18.0),
    ("8867-4", 72, "{beats}/min", S.HEART_RATE, 72.0),
    ("59408-5", 95, "%", S.SPO2, 95.0),
    ("2708-6", 0.93, "1", S.SPO2, 93.0),
    ("8310-5", 37.2, "Cel", S.TEMPERATURE, 37.2),
    ("8310-5", 100.4, "[degF]", S.TEMPERATURE, 38.0),
    ("29463-7", 176.37, "[lb_av]", S.BODY_WEIGHT, 80.0),
    ("15074-8", 5.5, "mmol/L", S.GLUCOSE, 5.5),
    ("14743-9", 90.08, "mg/dL", S.GLUCOSE, 5.0),
])
def test_fhir_observations_convert_to_canonical_units(code, value, unit, sign, expected):
    (result,) = parse_observation(json.dumps(fhir(code, value, unit)).encode())
    assert (result.client, result.sign) == ("c1", sign)
    assert result.value == pytest.approx(expected, abs=0.01)
    assert result.time == datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


def test_fhir_blood_pressure_panel_gives_two_observations():
    panel = fhir("85354-9", 0, "mm[Hg]")
    del panel["valueQuantity"]
    panel["component"] = [
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": {"value": 142, "code": "mm[Hg]"}},
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]}, "valueQuantity": {"value": 91, "code": "mm[Hg]"}}]
    assert [(o.sign, o.value) for o in parse_observation(panel)] == [(S.SYSTOLIC_BP, 142.0), (S.DIASTOLIC_BP, 91.0)]


@pytest.mark.parametrize(("resource", "message"), [
    (fhir("8867-4", 420, "/min"), "heart rate 420 /min is physiologically impossible (possible range 20–300 /min)"),
    (fhir("59408-5", 104, "%"), "spo2 104 % is physiologically impossible"),
    (fhir("8310-5", 37, "K"), "unit 'K' not accepted"),
    (fhir("1234-5", 1, "1"), "LOINC 1234-5 is not a vital sign"),
    ({**fhir("8867-4", 70, "/min"), "effectiveDateTime": "2024-05-01T09:00:00"}, "must include a time zone"),
    ({**fhir("8867-4", 70, "/min"), "effectiveDateTime": "2024-13-01"}, "is not a date"),
    ({**fhir("8867-4", 70, "/min"), "status": "entered-in-error"}, "cannot be accepted"),
    ({"resourceType": "Patient"}, "expected a FHIR Observation"),
])
def test_fhir_rejections_say_why(resource, message):
    with pytest.raises(VitalsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_observation(resource)


def test_fhir_subject_must_match_the_device_client():
    with pytest.raises(VitalsError, match="not the client this device belongs to"):
        parse_observation(fhir("8867-4", 70, "/min"), client="c2")


def test_compact_form_with_units_and_flags():
    body = {"time": "2024-05-01T09:00:00Z", "heart_rate": 88, "temperature": {"value": 101.3, "unit": "[degF]"},
            "systolic_bp": 128, "diastolic_bp": 80, "on_oxygen": True, "consciousness": "C"}
    values = {o.sign: round(o.value, 1) for o in parse_compact(json.dumps(body).encode(), "c1")}
    assert values == {S.HEART_RATE: 88.0, S.TEMPERATURE: 38.5, S.SYSTOLIC_BP: 128.0, S.DIASTOLIC_BP: 80.0,
                      S.SUPPLEMENTAL_OXYGEN: 1.0, S.CONSCIOUSNESS: 1.0}


@pytest.mark.parametrize(("body", "message"), [
    ({"time": "2024-05-01T09:00:00Z", "systolic_bp": 80, "diastolic_bp": 95}, "diastolic must be below systolic"),
    ({"time": "2024-05-01T09:00:00Z", "systolic_bp": 120}, "needs both"),
    ({"time": "2024-05-01T09:00:00Z", "pulse": 70}, "unknown field 'pulse'"),
    ({"heart_rate": 70}, "time is required"),
    ({"time": "2024-05-01T09:00:00", "heart_rate": 70}, "time zone"),
    ({"time": "2024-05-01T09:00:00Z", "consciousness": "X"}, "one of A, C"),
])
def test_compact_rejections(body, message):
    with pytest.raises(VitalsError, match=message):
        parse_compact(json.dumps(body).encode(), "c1")


@pytest.mark.parametrize(("readings", "hypercapnic", "total", "severity"), [
    # All normal.
    ({S.RESPIRATORY_RATE: 16, S.SPO2: 97, S.SYSTOLIC_BP: 125, S.HEART_RATE: 70, S.TEMPERATURE: 37.0}, False, 0, None),
    # Band edges: RR 21 (2), SpO2 94 (1), SBP 110 (1), pulse 91 (1), temp 38.1 (1).
    ({S.RESPIRATORY_RATE: 21, S.SPO2: 94, S.SYSTOLIC_BP: 110, S.HEART_RATE: 91, S.TEMPERATURE: 38.1}, False, 6, AlertSeverity.URGENT),
    # A single 3 (new confusion) with nothing else → urgent review.
    ({S.RESPIRATORY_RATE: 16, S.SPO2: 97, S.SYSTOLIC_BP: 125, S.HEART_RATE: 70, S.TEMPERATURE: 37.0, S.CONSCIOUSNESS: 1}, False, 3, AlertSeverity.URGENT),
    # Low score → info.
    ({S.RESPIRATORY_RATE: 16, S.SPO2: 95, S.SYSTOLIC_BP: 125, S.HEART_RATE: 70, S.TEMPERATURE: 37.0}, False, 1, AlertSeverity.INFO),
    # Septic picture → emergency.
    ({S.RESPIRATORY_RATE: 26, S.SPO2: 91, S.SYSTOLIC_BP: 95, S.HEART_RATE: 120, S.TEMPERATURE: 39.2}, False, 12, AlertSeverity.EMERGENCY),
    # Oxygen adds 2; extremes score 3 each.
    ({S.RESPIRATORY_RATE: 8, S.SPO2: 96, S.SYSTOLIC_BP: 220, S.HEART_RATE: 40, S.TEMPERATURE: 35.0, S.SUPPLEMENTAL_OXYGEN: 1}, False, 14, AlertSeverity.EMERGENCY),
    # Scale 2 on air: 88 is on target (0), where scale 1 would give 3.
    ({S.RESPIRATORY_RATE: 16, S.SPO2: 88, S.SYSTOLIC_BP: 125, S.HEART_RATE: 70, S.TEMPERATURE: 37.0}, True, 0, None),
    ({S.RESPIRATORY_RATE: 16, S.SPO2: 88, S.SYSTOLIC_BP: 125, S.HEART_RATE: 70, S.TEMPERATURE: 37.0}, False, 3, AlertSeverity.URGENT),
    # Scale 2 on oxygen: 97 scores 3 (over-oxygenation) plus 2 for oxygen.
    ({S.RESPIRATORY_RATE: 16, S.SPO2: 97, S.SYSTOLIC_BP: 125, S.HEART_RATE: 70, S.TEMPERATURE: 37.0, S.SUPPLEMENTAL_OXYGEN: 1}, True, 5, AlertSeverity.URGENT),
    ({S.RESPIRATORY_RATE: 16, S.SPO2: 85, S.SYSTOLIC_BP: 125, S.HEART_RATE: 70, S.TEMPERATURE: 37.0}, True, 2, AlertSeverity.INFO),
])
def test_news2_table(readings, hypercapnic, total, severity):
    result = score(readings, hypercapnic=hypercapnic)
    assert (result.total, result.severity) == (total, severity)


def test_news2_of_seven_raises_an_emergency_alert_through_triage():
    new = [obs(S.RESPIRATORY_RATE, 25), obs(S.SPO2, 92), obs(S.SYSTOLIC_BP, 105), obs(S.HEART_RATE, 95),
           obs(S.TEMPERATURE, 37.0)]
    (alert,) = triage(new, [], VitalsProfile(client="c1"))
    assert (alert.rule, alert.severity) == ("news2", AlertSeverity.EMERGENCY)
    assert alert.explanation.startswith("NEWS2 7 (respiration rate 3, SpO2 2, systolic BP 1, pulse 1)")


HF = VitalsProfile(client="c1", heart_failure=True)


@pytest.mark.parametrize(("weights", "rule"), [
    ([80.0, 80.5, 82.1], "weight_gain"),      # +2.1 kg in 2 days
    ([80.0, 80.5, 81.9], None),               # +1.9 kg: within limit
    ([80.0, 80.3, 80.6, 80.9, 81.2, 81.5, 81.8, 82.1], "weight_trend"),  # steady 2.1 kg a week, never 2 kg in 3 days
])
def test_heart_failure_weight(weights, rule):
    history = [obs(S.BODY_WEIGHT, w, T0 + timedelta(days=i)) for i, w in enumerate(weights[:-1])]
    new = obs(S.BODY_WEIGHT, weights[-1], T0 + timedelta(days=len(weights) - 1))
    assert [a.rule for a in triage([new], history, HF)] == ([rule] if rule else [])


@pytest.mark.parametrize(("spo2", "rule"), [(87, "spo2_below_target"), (90, "spo2_drop"), (92, None)])
def test_copd_spo2_target_and_drop_from_baseline(spo2, rule):
    profile = VitalsProfile(client="c1", copd=True, hypercapnic=True, spo2_target=(88, 92))
    history = [obs(S.SPO2, 93, T0 - timedelta(days=d)) for d in range(1, 5)]
    rules = [a.rule for a in triage([obs(S.SPO2, spo2)], history, profile) if a.rule != "news2"]
    assert rules == ([rule] if rule else [])


@pytest.mark.parametrize(("mmol", "rule", "severity"), [
    (2.8, "hypoglycaemia_level_2", AlertSeverity.URGENT), (3.5, "hypoglycaemia", AlertSeverity.WARNING),
    (3.9, None, None), (13.9, None, None), (14.2, "hyperglycaemia", AlertSeverity.WARNING)])
def test_glucose_thresholds(mmol, rule, severity):
    alerts = triage([obs(S.GLUCOSE, mmol)], [], VitalsProfile(client="c1", diabetes=True))
    assert [(a.rule, a.severity) for a in alerts] == ([(rule, severity)] if rule else [])


def test_overdue_reading_raises_a_reminder():
    profile = VitalsProfile(client="c1", expected_every={S.BODY_WEIGHT: timedelta(days=1), S.SPO2: timedelta(days=1)})
    history = [obs(S.BODY_WEIGHT, 80, T0), obs(S.SPO2, 95, T0 + timedelta(hours=20))]
    (reminder,) = overdue(history, profile, T0 + timedelta(hours=30))
    assert reminder.rule == "reading_overdue" and reminder.explanation.startswith("body weight reading overdue")


def test_bundle_export_round_trips_and_pairs_blood_pressure():
    observations = [obs(S.HEART_RATE, 72), obs(S.SYSTOLIC_BP, 130), obs(S.DIASTOLIC_BP, 85),
                    obs(S.GLUCOSE, 6.1, T0 + timedelta(hours=1))]
    bundle = to_bundle(observations)
    assert (bundle["resourceType"], bundle["type"], "total" in bundle) == ("Bundle", "collection", False)  # bdl-1
    assert len(bundle["entry"]) == 3
    parsed = [o for entry in bundle["entry"] for o in parse_observation(entry["resource"])]
    assert sorted((o.sign, o.value, o.time) for o in parsed) == sorted((o.sign, o.value, o.time) for o in observations)
    assert to_bundle(observations) == bundle  # stable ids: re-export is idempotent


def _panel(**component_overrides) -> dict:  # type: ignore[no-untyped-def]
    panel = fhir("85354-9", 0, "mm[Hg]")
    del panel["valueQuantity"]
    panel["component"] = [
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": {"value": 142, "code": "mm[Hg]"}},
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]}, "valueQuantity": {"value": 91, "code": "mm[Hg]"}}]
    panel["component"][0].update(component_overrides)
    return panel


_O2_FLOW = {"code": {"coding": [{"system": "http://loinc.org", "code": "3151-8"}]}}
_HR = fhir("8867-4", 70, "/min")
_HUGE = 10**400  # an int no float holds


# Shapes that once escaped as AttributeError / TypeError / OverflowError / RecursionError.
@pytest.mark.parametrize(("resource", "field"), [
    ({**_HR, "subject": "Patient/c1"}, "Observation.subject"),
    ({**_HR, "subject": ["Patient/c1"]}, "Observation.subject"),
    ({**_HR, "subject": {"reference": 7}}, "subject.reference"),
    ({**_HR, "effectiveDateTime": None, "effectivePeriod": "2024-05-01T09:00:00Z"}, "effectivePeriod"),
    ({**_HR, "effectiveDateTime": None, "effectivePeriod": {"start": 5}}, "effectivePeriod.start"),
    ({**_HR, "effectiveDateTime": ["2024-05-01T09:00:00Z"]}, "effectiveDateTime"),
    ({**_HR, "effectiveDateTime": "9999-12-31T23:59:59-23:59"}, "effectiveDateTime"),
    ({**_HR, "status": ["final"]}, "Observation.status"),
    ({**_HR, "code": "8867-4"}, "Observation.code"),
    ({**_HR, "code": {"coding": "8867-4"}}, "Observation.code"),
    ({**_HR, "valueQuantity": {"value": _HUGE, "code": "/min"}}, "valueQuantity.value"),
    ({**_HR, "valueQuantity": {"value": "70", "code": "/min"}}, "valueQuantity.value"),
    ({**_HR, "valueQuantity": {"value": 70, "code": ["/min"]}}, "valueQuantity.code"),
    ({**_HR, "valueQuantity": {"value": 70, "unit": {"ucum": "/min"}}}, "valueQuantity.unit"),
    ({**_HR, "valueQuantity": [70]}, "valueQuantity"),
    ({**_panel(), "component": {"systolic": 142}}, "Observation.component"),
    ({**_panel(), "component": "142/91"}, "Observation.component"),
    ({**_panel(), "component": ["142", 91]}, "Observation.component[0]"),
    (_panel(valueQuantity="142"), "component[0]: valueQuantity"),
    (_panel(valueQuantity=[142]), "component[0]: valueQuantity"),
    (_panel(valueQuantity={"value": _HUGE}), "component[0]: valueQuantity.value"),
    (_panel(code="8480-6"), "component[0].code"),
    ({**fhir("59408-5", 95, "%"), "component": "oxygen"}, "Observation.component"),
    ({**fhir("59408-5", 95, "%"), "component": [1]}, "Observation.component[0]"),
    ({**fhir("59408-5", 95, "%"), "component": [{**_O2_FLOW, "valueQuantity": "2 L/min"}]}, "component[0].valueQuantity"),
    ({**fhir("59408-5", 95, "%"), "component": [{**_O2_FLOW, "valueQuantity": {"value": "2"}}]},
     "component[0].valueQuantity.value"),
])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_fhir_malformed_shapes_are_vitals_errors_naming_the_field(resource, field, as_bytes):
    data = json.dumps(resource).encode() if as_bytes else resource
    with pytest.raises(VitalsError) as raised:
        parse_observation(data)
    assert field in str(raised.value)


@pytest.mark.parametrize(("body", "field"), [
    ({"consciousness": ["A"]}, "consciousness"),
    ({"consciousness": {"A": 1}}, "consciousness"),
    ({"consciousness": 0}, "consciousness"),
    ({"heart_rate": _HUGE}, "heart_rate"),
    ({"heart_rate": "72"}, "heart_rate"),
    ({"heart_rate": [72]}, "heart_rate"),
    ({"heart_rate": {"value": 72, "unit": ["/min"]}}, "heart_rate.unit"),
    ({"temperature": {"value": 37, "unit": {"code": "Cel"}}}, "temperature.unit"),
    ({"temperature": {"value": _HUGE, "unit": "Cel"}}, "temperature"),
    ({"on_oxygen": [True]}, "on_oxygen"),
    ({"time": ["2024-05-01T09:00:00Z"]}, "time"),
    ({"time": 1714554000}, "time"),
    ({"time": {"at": "2024-05-01T09:00:00Z"}}, "time"),
    ({"time": "9999-12-31T23:59:59-23:59"}, "time"),
])
def test_compact_malformed_shapes_are_vitals_errors_naming_the_field(body, field):
    with pytest.raises(VitalsError) as raised:
        parse_compact(json.dumps({"time": "2024-05-01T09:00:00Z", **body}).encode(), "c1")
    assert field in str(raised.value)


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"time": "2024-05-01T09:00:00Z", "x": ' + b"[" * 100_000 + b"}",
                                 b"\xff\xfe", b"", b"null"])
def test_hostile_bodies_are_vitals_errors(raw):
    with pytest.raises(VitalsError):
        parse_compact(raw, "c1")
    with pytest.raises(VitalsError):
        parse_observation(raw)
