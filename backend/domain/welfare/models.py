"""Welfare check tables: the check and its timestamped trail of steps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.database.columns import enum_field, json_dict, provider_fk, utc_field
from shared.enums import WelfareCheckState, WelfareResponder


class WelfareCheck(SQLModel, table=True):
    """One prompt to a person whose home has gone unusually quiet; ``dedupe_key`` names the finding."""

    __tablename__ = "welfare_check"
    __table_args__ = (UniqueConstraint("provider_id", "dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    detector: str = Field(max_length=40)
    explanation: str = Field(max_length=1000)
    dedupe_key: str = Field(max_length=200)
    state: WelfareCheckState = enum_field(WelfareCheckState.OPEN, index=True)
    found_at: datetime = utc_field()  # when the detector's finding fell due
    raised_at: datetime = utc_field(default_now=True)
    escalate_at: datetime = utc_field(index=True)
    answered_at: datetime | None = utc_field(nullable=True)
    answered_by: WelfareResponder | None = enum_field(None, nullable=True)
    answered_by_user: int | None = Field(default=None, foreign_key="user.id")
    answer_note: str = Field(default="", max_length=500)
    escalated_at: datetime | None = utc_field(nullable=True)
    alert_id: int | None = Field(default=None, foreign_key="alert.id")


class WelfareCheckStep(SQLModel, table=True):
    """One step of a check (raised, prompted, answered, escalated) with when and by whom."""

    __tablename__ = "welfare_check_step"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    check_id: int = Field(foreign_key="welfare_check.id", index=True)
    step: str = Field(max_length=30)
    at: datetime = utc_field(default_now=True)
    actor: str = Field(default="system", max_length=100)
    detail: dict = json_dict()
