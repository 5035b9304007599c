"""Tables of the telehealth hub: the hub, its clinicians and the people enrolled in its programmes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.database.columns import enum_field, json_dict, json_list, utc_field
from shared.enums import Condition, EnrolmentState, InterventionKind


class Hub(SQLModel, table=True):
    """A clinically staffed telehealth hub commissioned by an authority; the unit of the hub's tenancy."""

    id: int | None = Field(default=None, primary_key=True)
    authority_id: int = Field(foreign_key="authority.id", index=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=200)
    # What a person with a red reading out of hours is told when no clinician is on call (e.g. call 111).
    out_of_hours_fallback: str = Field(default="", max_length=500)
    # The hub's own tenancy (a hub-only provider row) for people it monitors who receive no home care;
    # made when the first of them is enrolled.
    provider_id: int | None = Field(default=None, foreign_key="provider.id")


class Clinician(SQLModel, table=True):
    """A hub nurse or community matron: a user account working in one hub."""

    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id", index=True)
    user_id: int = Field(foreign_key="user.id", unique=True)
    name: str = Field(max_length=200)
    on_call: bool = False
    on_call_order: int = 0  # out of hours, a red person pages the first on call, then the next if nobody answers
    phone: str = Field(default="", max_length=20)  # where an out-of-hours page is texted


class Enrolment(SQLModel, table=True):
    """One person's programme with a hub, from enrolment through step-down to discharge.

    ``provider_id`` is the tenancy of the person's own records (readings, alerts, visits), which
    the hub reads through while the enrolment is open; ``schedule`` maps a sign to hours between
    readings and ``thresholds`` a sign to its amber and red limits.
    """

    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    clinician_id: int | None = Field(default=None, foreign_key="clinician.id", index=True)
    condition: Condition = enum_field(index=True)
    state: EnrolmentState = enum_field(EnrolmentState.ACTIVE, index=True)
    devices: list[str] = json_list()
    schedule: dict = json_dict()
    thresholds: dict = json_dict()
    education_plan: list[str] = json_list()
    enrolled_at: datetime = utc_field(default_now=True)
    stepped_down_at: datetime | None = utc_field(nullable=True)
    discharged_at: datetime | None = utc_field(nullable=True)
    discharge_reason: str = Field(default="", max_length=300)
    equipment_cost_pence: int = 0
    monthly_cost_pence: int = 0
    phone: str = Field(default="", max_length=20, index=True)  # the person's own mobile, E.164, for texts


class Intervention(SQLModel, table=True):
    """What a clinician did for an enrolled person, its outcome, and when to follow it up.

    ``provider_id`` is the person's care agency: its supervisors see the interventions that carry
    something for the next visit (``for_next_visit``, e.g. "check ankles for swelling").
    """

    __table_args__ = (UniqueConstraint("hub_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id", index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    enrolment_id: int = Field(foreign_key="enrolment.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    clinician_user_id: int = Field(foreign_key="user.id")
    kind: InterventionKind = enum_field()
    note: str = Field(default="", max_length=2000)
    outcome: str = Field(max_length=500)
    follow_up_on: date | None = Field(default=None, index=True)
    follow_up_done_at: datetime | None = utc_field(nullable=True)
    for_next_visit: str = Field(default="", max_length=500)
    agency_seen_at: datetime | None = utc_field(nullable=True)
    agency_seen_by: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = utc_field(default_now=True, index=True)
    idempotency_key: str | None = Field(default=None, max_length=100)


class SmsMessage(SQLModel, table=True):
    """A text message to or from a monitored person (or a page to a clinician), kept whichever way it went.

    ``dedupe_key`` makes each inbound message (the gateway's message id) and each reminder (the person,
    sign and the reading it follows) a single row, however often the gateway or the scheduler retries.
    """

    __tablename__ = "sms_message"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    hub_id: int | None = Field(default=None, foreign_key="hub.id", index=True)
    enrolment_id: int | None = Field(default=None, foreign_key="enrolment.id", index=True)
    direction: str = Field(max_length=3)  # "in" or "out"
    purpose: str = Field(max_length=20)  # reading, reply, reminder, page, page_reply, fallback
    phone: str = Field(max_length=20, index=True)
    body: str = Field(max_length=1600)
    reply: str = Field(default="", max_length=1600)
    dedupe_key: str | None = Field(default=None, max_length=120)
    at: datetime = utc_field(default_now=True, index=True)
    sent: bool = False
    error: str = Field(default="", max_length=300)
    acknowledged_at: datetime | None = utc_field(nullable=True)  # a page the clinician answered


class CaseloadSign(SQLModel, table=True):
    """One sign of an open enrolment as the caseload keeps it: what its readings say whatever the time now.

    Made from the person's raw readings (``telehealth.caseload``) whenever a reading or the programme
    changes, so the worklist orders a hub's people in one query. What depends on the clock is worked
    out in that query: a reading counts while ``last_at`` is within the last 8 days, and a scheduled
    sign is overdue once ``due_at`` has passed (or it has no reading that counts). ``rank`` is the
    worse colour of the reading's and the trend's (0 red, 1 amber) and ``weight`` their score.
    """

    __tablename__ = "caseload_sign"

    enrolment_id: int = Field(foreign_key="enrolment.id", primary_key=True)
    sign: str = Field(primary_key=True, max_length=30)
    hub_id: int = Field(foreign_key="hub.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    last_at: datetime | None = utc_field(nullable=True)
    last_epoch: float | None = None  # last_at in seconds, for the overdue days' arithmetic alike on both databases
    reading_rag: str | None = Field(default=None, max_length=10)
    reading_reason: str = Field(default="", max_length=300)
    trend_rag: str | None = Field(default=None, max_length=10)
    trend_reason: str = Field(default="", max_length=300)
    rank: int | None = None
    weight: float = 0.0
    expected_hours: float | None = None
    due_at: datetime | None = utc_field(nullable=True)


class CaseloadChange(SQLModel, table=True):
    """A person whose caseload signs must be made again: queued by database triggers on their readings and
    enrolments (migration 0033), whoever writes them; the worklist and a job drain the queue."""

    __tablename__ = "caseload_change"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(index=True)
