"""Tables of the scheduler: who leads (a lease row) and when each job last ran."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.database.columns import utc_field


class SchedulerLease(SQLModel, table=True):
    """The one process allowed to run scheduled jobs; the lease lapses if it stops renewing."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=60)
    holder: str = Field(max_length=120)
    acquired_at: datetime = utc_field()
    expires_at: datetime = utc_field()


class JobRun(SQLModel, table=True):
    """The persisted state of one scheduled job, so a restarted scheduler resumes where it stopped."""

    __tablename__ = "job_run"

    job_id: str = Field(primary_key=True, max_length=120)
    last_started_at: datetime | None = utc_field(nullable=True)
    last_finished_at: datetime | None = utc_field(nullable=True)
    last_status: str = Field(default="never", max_length=20)
    last_error: str = Field(default="", max_length=1000)
    run_count: int = 0
    holder: str = Field(default="", max_length=120)
