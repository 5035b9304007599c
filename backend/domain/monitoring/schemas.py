"""Request and response shapes of the monitoring area (a device token appears only once, at registration)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypedDict

import msgspec

from sensors.vitals.compact import ACVPU
from shared.enums import AlertKind, AlertSeverity, SensorKind, TelehealthProfile
from shared.vitals import VitalSign

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=r"^[^/#+\s][^/#+]*$")]
# Zigbee2MQTT allows "/" in friendly names (kitchen/floor_light): any levels but empty ones, never
# "bridge" first (the bridge's own topics) nor a level the topics give a meaning (set, get, availability).
FriendlyName = Annotated[str, msgspec.Meta(
    min_length=1, max_length=120,
    pattern=r"^(?!bridge(/|$))(?!.*/(set|get|availability)(/|$))[^/#+\s][^/#+]*(/[^/#+]+)*$")]
Room = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]


class DeviceKind(StrEnum):
    """How a device talks to Domicare."""

    ZIGBEE2MQTT = "zigbee2mqtt"  # a Zigbee gateway publishing to the MQTT broker
    WEBHOOK = "webhook"  # a hub pushing JSON to POST /api/v1/sensors/events
    TELEHEALTH = "telehealth"  # a vitals hub posting observations


class SensorBinding(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where one of a gateway's sensors is; ``kind`` overrides what its payload implies (a bed pad)."""

    room: Room
    kind: SensorKind | None = None


class DeviceIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Register a gateway or hub to a client's home.

    ``rooms`` maps each Zigbee2MQTT friendly name (or hub sensor id) to its room,
    as a plain room name or ``{"room": ..., "kind": ...}``.
    """

    name: Name
    kind: DeviceKind = DeviceKind.ZIGBEE2MQTT
    rooms: dict[FriendlyName, Room | SensorBinding] = msgspec.field(default_factory=dict)


class DeviceUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Replace a device's friendly-name → room mapping."""

    rooms: dict[FriendlyName, Room | SensorBinding]


class DeviceOut(msgspec.Struct):
    """A registered device as staff see it (never its token).

    ``online`` is the gateway's own state (its Zigbee2MQTT bridge, a hub's posts); each sensor's
    state and battery are listed by ``GET /api/v1/devices/{id}/sensors``.
    """

    id: int
    provider_id: int
    client_id: int
    kind: str
    name: str
    rooms: dict[str, SensorBinding]
    online: bool
    last_seen: datetime | None


class SensorHealthOut(msgspec.Struct):
    """One sensor of a device: online or not, its battery and when it last reported."""

    sensor: str
    room: str
    online: bool
    battery: float | None
    last_seen: datetime | None


class DeviceRegistered(msgspec.Struct):
    """A new device, its token and its webhook signing key; neither is shown again (rotate the token for new ones)."""

    device: DeviceOut
    token: str
    signing_key: str  # HMAC-SHA256 key for X-Domicare-Signature on POST /api/v1/sensors/events


class EventsAccepted(msgspec.Struct):
    """What a webhook call stored: the same answer for a replay of the same request."""

    accepted: int
    event_ids: list[int]


class SensorEventOut(msgspec.Struct):
    """One stored sensor reading."""

    id: int
    client_id: int
    device_id: int
    sensor: str
    room: str
    kind: str
    value: float
    at: datetime
    received_at: datetime


class ObservationOut(msgspec.Struct):
    """One stored vital-sign reading in its canonical UCUM unit."""

    id: int
    client_id: int
    device_id: int | None
    sign: str
    code: str
    value: float
    unit: str
    effective_at: datetime
    source: str
    # The date as sent when the sender recorded no time ("time not recorded"); effective_at is then its start.
    date_only: str | None = None


class AlertRaised(msgspec.Struct):
    """An alert a write raised (or found already open for the same condition)."""

    id: int
    kind: AlertKind
    severity: AlertSeverity
    message: str


class EntryOutcome(msgspec.Struct):
    """What became of one entry of a FHIR Bundle, like an entry of a FHIR batch-response."""

    index: int
    status: str  # "stored", "read through its members" or "refused"
    observations: int = 0
    reason: str | None = None


class ObservationsRecorded(msgspec.Struct):
    """The readings stored from one request, the alerts their triage raised and, for a Bundle, each entry's fate."""

    observations: list[ObservationOut]
    alerts: list[AlertRaised]
    entries: list[EntryOutcome] = msgspec.field(default_factory=list)


class DeadLetterOut(msgspec.Struct):
    """A device payload that was refused, with the reason."""

    id: int
    provider_id: int | None
    source: str
    reason: str
    payload: str
    received_at: datetime


Percent = Annotated[float, msgspec.Meta(ge=50, le=100)]
Mmol = Annotated[float, msgspec.Meta(ge=1, le=40)]


class ProfileThresholds(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Per-client triage thresholds; a field left out keeps the rule's usual value."""

    spo2_target_low: Percent | None = None  # below this SpO2 is urgent (COPD); typically 88 when hypercapnic
    spo2_target_high: Percent | None = None
    spo2_baseline: Percent | None = None  # the person's usual SpO2; learned from their readings when unset
    hypercapnic: bool | None = None  # NEWS2 SpO2 scale 2
    weight_gain_kg: Annotated[float, msgspec.Meta(gt=0, le=10)] | None = None  # heart failure: gain that alerts
    weight_gain_days: Annotated[int, msgspec.Meta(ge=1, le=14)] | None = None  # ... within this many days
    weight_trend_kg_per_week: Annotated[float, msgspec.Meta(gt=0, le=10)] | None = None
    hypo_mmol: Mmol | None = None  # diabetes: glucose below this is hypoglycaemia
    hypo_level2_mmol: Mmol | None = None  # ... and below this level 2
    hyper_mmol: Mmol | None = None  # above this hyperglycaemia


class ProfileIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Set a client's condition profile and thresholds (replacing the thresholds set before)."""

    profile: TelehealthProfile
    thresholds: ProfileThresholds = msgspec.field(default_factory=ProfileThresholds)


class ProfileOut(msgspec.Struct):
    """A client's condition profile: the thresholds set for them and every value in force."""

    client_id: int
    profile: TelehealthProfile
    thresholds: ProfileThresholds  # only those set for this client
    effective: ProfileThresholds  # what triage uses, the usual values filled in
    updated_at: datetime | None
    updated_by: int | None


class FhirBundle(TypedDict, total=False):
    """A FHIR R4 Bundle of Observation resources (https://hl7.org/fhir/R4/bundle.html)."""

    resourceType: Literal["Bundle"]
    type: str
    total: int
    link: list[dict[str, str]]
    entry: list[dict[str, Any]]


def readings_body() -> tuple[dict[str, Any], ...]:
    """JSON schemas of what ``POST /clients/{id}/observations`` reads: the compact form or FHIR R4."""
    number = {"type": "number"}
    measured = {"oneOf": [number, {"type": "object", "required": ["value"], "additionalProperties": False,
                                   "properties": {"value": number, "unit": {"type": "string", "description": "UCUM"}}}]}
    unmeasured = {VitalSign.SUPPLEMENTAL_OXYGEN, VitalSign.CONSCIOUSNESS}
    compact = {
        "title": "CompactReadings", "type": "object", "required": ["time"], "additionalProperties": False,
        "description": "Readings taken at one time; a bare number is in the sign's canonical UCUM unit.",
        "properties": {
            "time": {"type": "string", "format": "date-time"},
            **{sign.value: measured for sign in VitalSign if sign not in unmeasured},
            "on_oxygen": {"type": "boolean"},
            "consciousness": {"enum": list(ACVPU), "description": "ACVPU; C is new confusion"},
        },
    }
    fhir = {
        "title": "FhirObservationOrBundle", "type": "object", "required": ["resourceType"],
        "description": ("A FHIR R4 Observation of the vital-signs profile (LOINC code, UCUM valueQuantity, "
                        "subject the client) or a Bundle of them: https://hl7.org/fhir/R4/observation-vitalsigns.html"),
        "properties": {"resourceType": {"enum": ["Observation", "Bundle"]}},
    }
    return compact, fhir
