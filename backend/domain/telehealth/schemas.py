"""The hub's API shapes: enrolments and their programme, and the caseload worklist (DESIGN.md 4b)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from backend.domain.telehealth.models import Enrolment, Intervention
from backend.domain.visits.summaries import VisitSummary
from shared.telehealth import Limits
from shared.enums import Condition, EnrolmentState, InterventionKind, Rag
from shared.vitals import VitalSign

Hours = Annotated[float, msgspec.Meta(gt=0, le=24 * 28, description="hours between readings")]
Pence = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
Text = Annotated[str, msgspec.Meta(max_length=300)]
Phone = Annotated[str, msgspec.Meta(pattern=r"^(\+|0)[0-9 ]{9,18}$", description="the person's mobile, e.g. 07700 900123")]


class ClientRef(msgspec.Struct, frozen=True):
    """A person by id and name."""

    id: int
    name: str


class NewPerson(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Someone the hub monitors who receives no home care, so is no provider's client yet."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    postcode: Annotated[str, msgspec.Meta(min_length=2, max_length=10)]
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None


class EnrolmentIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Enrol a person in a programme: a client of a provider in the hub's area (``client_id``), or someone
    without home care (``person``), whose record the hub then keeps; what is left out takes the condition's
    defaults."""

    client_id: int | None = None
    person: NewPerson | None = None
    condition: Condition
    clinician_id: int | None = None
    devices: list[Text] | None = None
    schedule: dict[VitalSign, Hours] | None = None
    thresholds: dict[str, Limits] | None = None
    education_plan: list[Text] | None = None
    equipment_cost_pence: Pence | None = None
    monthly_cost_pence: Pence | None = None
    phone: Phone | None = None


class ProgrammeChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A change to a person's programme; only the fields given change."""

    clinician_id: int | None = None
    devices: list[Text] | None = None
    schedule: dict[VitalSign, Hours] | None = None
    thresholds: dict[str, Limits] | None = None
    education_plan: list[Text] | None = None
    phone: Phone | None = None


DISCHARGE_REASON_LENGTH = 300


class DischargeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Why the person leaves the programme."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=DISCHARGE_REASON_LENGTH)]


class EnrolmentOut(msgspec.Struct, frozen=True, kw_only=True):
    """A person's programme with the hub."""

    id: int
    client: ClientRef
    condition: Condition
    state: EnrolmentState
    clinician_id: int | None
    devices: list[str]
    schedule: dict[str, float]
    thresholds: dict[str, Limits]
    education_plan: list[str]
    enrolled_at: datetime
    stepped_down_at: datetime | None
    discharged_at: datetime | None
    discharge_reason: str
    equipment_cost_pence: int
    monthly_cost_pence: int
    phone: str


class CaseloadItem(msgspec.Struct, frozen=True, kw_only=True):
    """One person on the worklist: who, how urgent and why."""

    client: ClientRef
    rag: Rag
    reasons: list[str]
    enrolment_id: int
    condition: Condition
    state: EnrolmentState
    clinician_id: int | None
    last_reading_at: datetime | None


class ClinicianOut(msgspec.Struct, frozen=True):
    """A clinician of the hub."""

    id: int
    name: str
    on_call: bool


def thresholds_of(enrolment: Enrolment) -> dict[str, Limits]:
    """An enrolment's stored thresholds as limits."""
    return {measure: msgspec.convert(limits, Limits) for measure, limits in enrolment.thresholds.items()}


def enrolment_out(enrolment: Enrolment, name: str) -> EnrolmentOut:
    """The public shape of an enrolment."""
    assert enrolment.id is not None
    return EnrolmentOut(
        id=enrolment.id, client=ClientRef(enrolment.client_id, name), condition=enrolment.condition,
        state=enrolment.state, clinician_id=enrolment.clinician_id, devices=list(enrolment.devices),
        schedule={str(sign): float(hours) for sign, hours in enrolment.schedule.items()},
        thresholds=thresholds_of(enrolment), education_plan=list(enrolment.education_plan),
        enrolled_at=enrolment.enrolled_at, stepped_down_at=enrolment.stepped_down_at,
        discharged_at=enrolment.discharged_at, discharge_reason=enrolment.discharge_reason,
        equipment_cost_pence=enrolment.equipment_cost_pence, monthly_cost_pence=enrolment.monthly_cost_pence,
        phone=enrolment.phone)


class InterventionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What was done, how it went, and optionally when to follow up and what the carers should do next visit."""

    kind: InterventionKind
    outcome: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    follow_up_on: date | None = None
    for_next_visit: Annotated[str, msgspec.Meta(max_length=500)] = ""


class InterventionOut(msgspec.Struct, frozen=True, kw_only=True):
    """A recorded intervention."""

    id: int
    client_id: int
    enrolment_id: int
    kind: InterventionKind
    outcome: str
    note: str
    follow_up_on: date | None
    follow_up_done_at: datetime | None
    for_next_visit: str
    agency_seen_at: datetime | None
    at: datetime
    acknowledged_alerts: int = 0


class VisitRequestOut(msgspec.Struct, frozen=True, kw_only=True):
    """For the care agency: what the hub asks the carers to do at the person's next visit."""

    id: int
    client: ClientRef
    kind: InterventionKind
    outcome: str
    for_next_visit: str
    at: datetime
    seen_at: datetime | None


class ReadingOut(msgspec.Struct, frozen=True, array_like=False):
    """One reading on the person's charts."""

    sign: str
    value: float
    at: datetime


class PersonOut(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a clinician opens a person for: programme, need, readings, interventions and care visits."""

    client: ClientRef
    enrolment: EnrolmentOut
    rag: Rag
    reasons: list[str]
    readings: list[ReadingOut]
    interventions: list[InterventionOut]
    visits: list[VisitSummary]


def intervention_out(row: Intervention, acknowledged_alerts: int = 0) -> InterventionOut:
    """The public shape of an intervention."""
    assert row.id is not None
    return InterventionOut(id=row.id, client_id=row.client_id, enrolment_id=row.enrolment_id, kind=row.kind,
                           outcome=row.outcome, note=row.note, follow_up_on=row.follow_up_on,
                           follow_up_done_at=row.follow_up_done_at, for_next_visit=row.for_next_visit,
                           agency_seen_at=row.agency_seen_at, at=row.at, acknowledged_alerts=acknowledged_alerts)


class ReadingsText(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Readings typed in the same words as a text message, e.g. ``BP 132/84 P 71``."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class MessageOut(msgspec.Struct, frozen=True, kw_only=True):
    """A text in the hub's message log."""

    id: int
    enrolment_id: int | None
    direction: str
    purpose: str
    phone: str
    body: str
    reply: str
    at: datetime
    sent: bool
    error: str
