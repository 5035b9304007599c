"""FHIR R4 Observation in (vital-signs profile, LOINC + UCUM) and Observation Bundle out."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

import msgspec

from sensors.vitals.loinc import (
    BP_PANEL,
    CODES,
    EXPORT_CODES,
    EXTRA_CODINGS,
    INHALED_O2_FLOW,
    LOINC_SYSTEM,
    UCUM_SYSTEM,
    VITALS_PANEL,
)
from sensors.vitals.ranges import validate, validate_pair
from sensors.vitals.units import VitalsError, as_number, as_unit, to_canonical
from shared.vitals import CANONICAL_UNITS, VitalObservation, VitalSign

SOURCE = "fhir"
_REJECTED_STATUS = {"entered-in-error", "cancelled"}
_UNKNOWN = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "unknown",
                         "display": "Unknown"}]}
_NAMESPACE = uuid.UUID("6f1d2a8e-6c35-4d8c-9a4e-3f0f3b0c5d21")


def _object(value: Any, where: str, required: bool = False) -> dict[str, Any]:
    """A JSON object field (``{}`` when absent and optional), or ``VitalsError`` naming it."""
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise VitalsError(f"{where} must be a JSON object")
    return value


def _array(value: Any, where: str) -> list[dict[str, Any]]:
    """A JSON array of objects (``[]`` when absent), or ``VitalsError`` naming the field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise VitalsError(f"{where} must be a JSON array")
    for index, item in enumerate(value):
        _object(item, f"{where}[{index}]", required=True)
    return value


def _loinc(concept: Any, where: str) -> str:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and coding.get("system") == LOINC_SYSTEM and isinstance(coding.get("code"), str):
            return coding["code"]
    raise VitalsError(f"{where}: no LOINC coding (system {LOINC_SYSTEM})")


def _quantity(element: dict[str, Any], sign: VitalSign, where: str) -> float:
    quantity = element.get("valueQuantity")
    if not isinstance(quantity, dict) or "value" not in quantity:
        raise VitalsError(f"{where}: valueQuantity with a value is required")
    value = as_number(quantity["value"], f"{where}: valueQuantity.value")
    code = as_unit(quantity.get("code"), f"{where}: valueQuantity.code")
    unit = code if quantity.get("system", UCUM_SYSTEM) == UCUM_SYSTEM else None
    return to_canonical(sign, value, unit or as_unit(quantity.get("unit"), f"{where}: valueQuantity.unit"))


_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _time(resource: dict[str, Any]) -> tuple[datetime, str | None]:
    """When it was measured, and the date text itself when the sender recorded no time (R4 allows a bare date)."""
    text = resource.get("effectiveDateTime") or resource.get("effectiveInstant") \
        or _object(resource.get("effectivePeriod"), "Observation.effectivePeriod").get("start")
    if not isinstance(text, str):
        raise VitalsError("Observation needs effectiveDateTime (or effectivePeriod.start)")
    if _PARTIAL_DATE.match(text):
        year, month, day = (int(part) for part in (text + "-01-01")[:10].split("-"))
        try:
            return datetime(year, month, day, tzinfo=timezone.utc), text
        except ValueError:
            raise VitalsError(f"effectiveDateTime {text!r} is not a date") from None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise VitalsError(f"effectiveDateTime {text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise VitalsError(f"effectiveDateTime {text!r} must include a time zone (or be a date alone)")
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise VitalsError(f"effectiveDateTime {text!r} is out of range") from None
    return moment, None


def _client(resource: dict[str, Any], client: str | None) -> str:
    reference = _object(resource.get("subject"), "Observation.subject").get("reference")
    subject = reference.rsplit("/", 1)[-1] if isinstance(reference, str) else None
    if client is not None and subject is not None and subject != client:
        raise VitalsError(f"subject {reference!r} is not the client this device belongs to")
    if client is None and subject is None:
        raise VitalsError("Observation.subject.reference is required")
    return client or subject  # type: ignore[return-value]


def parse_observation(data: bytes | dict[str, Any], client: str | None = None) -> list[VitalObservation]:
    """Validated observations from one FHIR Observation (a BP panel gives two, SpO2 with O2 flow two).

    ``client`` is the client the sending device is registered to; when given, the
    Observation's subject must match it. A vital-signs panel whose readings are other
    Observations (``hasMember``) gives none itself: its members are read where they are.
    """
    try:
        resource = msgspec.json.decode(data) if isinstance(data, bytes) else data
    except msgspec.DecodeError as exc:
        raise VitalsError(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise VitalsError("body is nested too deeply") from None
    if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
        raise VitalsError("expected a FHIR Observation resource")
    status = resource.get("status")
    if status is not None and not isinstance(status, str):
        raise VitalsError("Observation.status must be a string")
    if status in _REJECTED_STATUS:
        raise VitalsError(f"Observation status {resource['status']!r} cannot be accepted")
    who, (when, date_only) = _client(resource, client), _time(resource)
    code = _loinc(resource.get("code"), "Observation.code")

    def observation(sign: VitalSign, value: float) -> VitalObservation:
        return validate(VitalObservation(client=who, sign=sign, value=value, time=when, source=SOURCE,
                                         date_only=date_only))

    if code in (BP_PANEL, VITALS_PANEL):
        return _panel(code, resource, observation)
    sign = CODES.get(code)
    if sign is None:
        raise VitalsError(f"LOINC {code} is not a vital sign Domicare reads "
                          f"(accepted: {', '.join(CODES)}, panels {BP_PANEL} and {VITALS_PANEL})")
    result = [observation(sign, _quantity(resource, sign, "Observation"))]
    if sign is VitalSign.SPO2:
        for index, component in enumerate(_array(resource.get("component"), "Observation.component")):
            if _loinc(component.get("code"), f"component[{index}].code") == INHALED_O2_FLOW:
                quantity = _object(component.get("valueQuantity"), f"component[{index}].valueQuantity")
                flow = as_number(quantity.get("value", 0), f"component[{index}].valueQuantity.value")
                result.append(observation(VitalSign.SUPPLEMENTAL_OXYGEN, 1.0 if flow else 0.0))
    return result


def _panel(code: str, resource: dict[str, Any],
           observation: Callable[[VitalSign, float], VitalObservation]) -> list[VitalObservation]:
    """A panel's readings are its members: components here, or (vital-signs panel) other Observations it names.

    A member whose value is absent (``dataAbsentReason``) is left out and the others kept; a blood
    pressure is checked as a pair only when both halves are there.
    """
    parts: dict[VitalSign, VitalObservation] = {}
    absent = []
    for index, component in enumerate(_array(resource.get("component"), "Observation.component")):
        sign = CODES.get(_loinc(component.get("code"), f"component[{index}].code"))
        if sign is None:
            continue
        if "valueQuantity" not in component and component.get("dataAbsentReason") is not None:
            absent.append(sign.value.replace("_", " "))
            continue
        parts[sign] = observation(sign, _quantity(component, sign, f"component[{index}]"))
    if code == BP_PANEL:
        parts = {sign: obs for sign, obs in parts.items() if sign in (VitalSign.SYSTOLIC_BP, VitalSign.DIASTOLIC_BP)}
        if not parts:
            missing = f" (absent: {', '.join(absent)})" if absent else ""
            raise VitalsError(f"blood pressure panel has no systolic (8480-6) or diastolic (8462-4) value{missing}")
        if len(parts) == 2:
            validate_pair(parts[VitalSign.SYSTOLIC_BP], parts[VitalSign.DIASTOLIC_BP])
    elif not parts and not resource.get("hasMember"):
        raise VitalsError("vital-signs panel has neither components nor members")
    return list(parts.values())


def _quantity_json(sign: VitalSign, value: float) -> dict[str, Any]:
    unit = CANONICAL_UNITS[sign]
    return {"value": round(value, 2), "unit": unit, "system": UCUM_SYSTEM, "code": unit}


def _concept(code: str, display: str, *more: tuple[str, str]) -> dict[str, Any]:
    codings = [{"system": LOINC_SYSTEM, "code": c, "display": d} for c, d in ((code, display), *more)]
    return {"coding": codings, "text": display}


def _resource(client: str, time: datetime | str, concept: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"]},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "vital-signs", "display": "Vital Signs"}], "text": "Vital Signs"}],
            "code": concept, "subject": {"reference": f"Patient/{client}"},
            "effectiveDateTime": time if isinstance(time, str) else time.isoformat(), **body}


def _sign_concept(sign: VitalSign) -> dict[str, Any]:
    return _concept(*EXPORT_CODES[sign], *EXTRA_CODINGS.get(sign, ()))


def to_observations(observations: Iterable[VitalObservation]) -> list[dict[str, Any]]:
    """FHIR Observation resources; systolic and diastolic taken together become one BP panel."""
    pending: dict[tuple[str, datetime | str], dict[VitalSign, float]] = {}
    resources = []
    for obs in observations:
        if obs.sign in (VitalSign.SYSTOLIC_BP, VitalSign.DIASTOLIC_BP):
            pending.setdefault((obs.client, obs.date_only or obs.time), {})[obs.sign] = obs.value
        elif obs.sign in EXPORT_CODES:
            resources.append(_resource(obs.client, obs.date_only or obs.time, _sign_concept(obs.sign),
                                       {"valueQuantity": _quantity_json(obs.sign, obs.value)}))
    for (client, time), values in pending.items():
        components = [{"code": _sign_concept(sign), "valueQuantity": _quantity_json(sign, values[sign])} if sign in values
                      else {"code": _sign_concept(sign), "dataAbsentReason": _UNKNOWN}  # the pair is one panel
                      for sign in (VitalSign.SYSTOLIC_BP, VitalSign.DIASTOLIC_BP)]
        resources.append(_resource(client, time, _concept(BP_PANEL, "Blood pressure panel with all children optional"),
                                   {"component": components}))
    resources.sort(key=lambda resource: resource["effectiveDateTime"])
    return resources


def to_bundle(observations: Iterable[VitalObservation], *, total: int | None = None,
              links: dict[str, str] | None = None) -> dict[str, Any]:
    """A FHIR Bundle of a client's observations, with stable ids for idempotent re-export.

    With ``total`` it is one page of a ``searchset`` (the true number of matches and the
    ``self``/``next``/``previous`` links); without, a ``collection``, which may not carry
    a total (invariant bdl-1).
    """
    entries = []
    for resource in to_observations(observations):
        resource_id = str(uuid.uuid5(_NAMESPACE, msgspec.json.encode(resource).decode()))
        resource["id"] = resource_id
        entry: dict[str, Any] = {"fullUrl": f"urn:uuid:{resource_id}", "resource": resource}
        if total is not None:
            entry["search"] = {"mode": "match"}
        entries.append(entry)
    if total is None:
        return {"resourceType": "Bundle", "type": "collection", "entry": entries}
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": total}
    if links:
        bundle["link"] = [{"relation": relation, "url": url} for relation, url in links.items()]
    return {**bundle, "entry": entries}
