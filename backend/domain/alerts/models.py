"""The alert table: one row per thing needing attention, with its handling trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.database.columns import enum_field, json_dict, provider_fk, utc_field
from shared.enums import AlertKind, AlertSeverity, AlertState


class Alert(SQLModel, table=True):
    """Something needing a human; ``dedupe_key`` stops the same condition raising twice."""

    __table_args__ = (UniqueConstraint("provider_id", "dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    kind: AlertKind = enum_field()
    severity: AlertSeverity = enum_field()
    state: AlertState = enum_field(AlertState.OPEN, index=True)
    message: str = Field(max_length=1000)
    dedupe_key: str = Field(max_length=200)
    detail: dict = json_dict()
    escalation_level: int = 0
    created_at: datetime = utc_field(default_now=True)
    acknowledged_by: int | None = Field(default=None, foreign_key="user.id")
    acknowledged_at: datetime | None = utc_field(nullable=True)
    resolved_by: int | None = Field(default=None, foreign_key="user.id")
    resolved_at: datetime | None = utc_field(nullable=True)
