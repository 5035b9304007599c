"""The roster job table: one solve (or re-solve) of a provider's day, its progress, result and publication."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.database.columns import enum_field, json_dict, provider_fk, utc_field


class RosterJobStatus(StrEnum):
    """Life of a roster job: ``queued → running → done`` or ``failed``."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RosterJob(SQLModel, table=True):
    """A background solve of one provider's day (or several days for continuity).

    The row is the source of truth across API processes: a process runs a job only after
    claiming it with a conditional update, and keeps ``heartbeat_at`` fresh while it works, so
    a job abandoned by a dead process is claimed again by whichever process looks at it next.
    """

    __table_args__ = (UniqueConstraint("provider_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    roster_date: date = Field(index=True)
    days: int = Field(default=1, ge=1, le=7)
    reroster: bool = False
    status: RosterJobStatus = enum_field(RosterJobStatus.QUEUED, index=True)
    progress: float = 0.0
    stage: str | None = Field(default=None, max_length=80)  # what it is doing now, in words: "solving day 2 of 7"
    params: dict = json_dict()
    result: dict = json_dict()
    diff: dict = json_dict()
    error: str | None = Field(default=None, max_length=2000)
    worker: str | None = Field(default=None, max_length=120)
    attempts: int = 0
    idempotency_key: str | None = Field(default=None, max_length=100)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(default_now=True)
    started_at: datetime | None = utc_field(nullable=True)
    heartbeat_at: datetime | None = utc_field(nullable=True)
    finished_at: datetime | None = utc_field(nullable=True)
    published_at: datetime | None = utc_field(nullable=True)
    published_by: int | None = Field(default=None, foreign_key="user.id")
