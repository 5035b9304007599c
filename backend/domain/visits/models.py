"""Tables for planned visits, who is assigned, what devices reported, and after-the-fact amendments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.database.columns import enum_field, json_dict, json_list, provider_fk, utc_field
from shared.enums import AmendmentState, CheckMethod, VisitEventKind, VisitStatus


class Visit(SQLModel, table=True):
    """One planned call on one date."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    template_id: int | None = Field(default=None, foreign_key="visittemplate.id")
    visit_date: date = Field(index=True)
    planned_start: datetime = utc_field()
    planned_end: datetime = utc_field()
    carers_needed: int = Field(default=1, ge=1, le=2)
    status: VisitStatus = enum_field(VisitStatus.PLANNED, index=True)
    cancel_reason: str | None = Field(default=None, max_length=200)
    # Flags beside the status, set at the first check-in: minutes late past the tolerance, and whether
    # the visit had already been marked missed (care delivered after all).
    late_start_minutes: int | None = None
    delivered_after_missed: bool | None = None
    tasks: list[dict] = json_list()
    medications: list[dict] = json_list()
    skills: list[str] = json_list()


class VisitAssignment(SQLModel, table=True):
    """A carer assigned to a visit (two rows for a double-handed visit)."""

    __table_args__ = (UniqueConstraint("visit_id", "carer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    visit_id: int = Field(foreign_key="visit.id", index=True)
    carer_id: int = Field(foreign_key="carer.id", index=True)


class VisitEvent(SQLModel, table=True):
    """Something a carer's device reported: check-in/out, task outcome, note or concern.

    Only the distance to the home and the verdict are kept, never coordinates.
    ``result`` is the response first given for the idempotency key, replayed on duplicates;
    ``fingerprint`` identifies the request that key was first used for (visit, kind, body), so a key
    reused for a different request is refused instead of answered with another action's result.
    An unverified check-in/out waits for a supervisor's review (``review_state``).
    """

    __table_args__ = (UniqueConstraint("provider_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    visit_id: int = Field(foreign_key="visit.id", index=True)
    carer_id: int = Field(foreign_key="carer.id", index=True)
    kind: VisitEventKind = enum_field()
    device_time: datetime = utc_field()
    server_time: datetime = utc_field(default_now=True)
    method: CheckMethod | None = enum_field(None, nullable=True)
    verified: bool | None = None
    distance_m: float | None = None
    reason: str | None = Field(default=None, max_length=60)
    idempotency_key: str = Field(max_length=100)
    fingerprint: str | None = Field(default=None, max_length=64)
    payload: dict = json_dict()
    result: dict = json_dict()
    review_state: AmendmentState | None = enum_field(None, nullable=True)
    reviewed_by: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = utc_field(nullable=True)


class Amendment(SQLModel, table=True):
    """A correction of a visit's times or status; appended, never overwriting the original."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    visit_id: int = Field(foreign_key="visit.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    approver_id: int | None = Field(default=None, foreign_key="user.id")
    state: AmendmentState = enum_field(AmendmentState.PENDING)
    reason_code: str = Field(max_length=60)
    comment: str = Field(default="", max_length=1000)
    changes: dict = json_dict()
    original: dict = json_dict()
    created_at: datetime = utc_field(default_now=True)
    decided_at: datetime | None = utc_field(nullable=True)
    idempotency_key: str | None = Field(default=None, max_length=100)
