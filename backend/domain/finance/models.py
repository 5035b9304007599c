"""Tables for finance: versioned payment rules per authority, and every export file handed to a portal.

An export file's reference is never reused; a re-export of the same week is a new
version that supersedes the old one. Scheduled exports are recorded once per week.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import create_model
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.database.columns import provider_fk, utc_field
from backend.domain.finance.billing import Totals


class ExportBatch(SQLModel, table=True):
    """One export file; a re-export of the same week is a new version that supersedes the old one."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    authority_id: int = Field(foreign_key="authority.id", index=True)
    week_ending: date = Field(index=True)
    format: str = Field(max_length=20)
    file_reference: str = Field(unique=True, max_length=60)
    version: int = 1
    supersedes_id: int | None = Field(default=None, foreign_key="exportbatch.id")
    row_count: int = 0
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(default_now=True)


class PaymentRule(SQLModel, table=True):
    """One version of an authority's payment rules; the version in force for a week is the latest
    whose ``effective_from`` is on or before that week's Monday. Rows are appended, never edited.

    Billable minutes per carer-visit: a duration within ``grace_minutes`` of planned counts as planned;
    the result is rounded to ``billing_unit_minutes`` (``rounding`` up/down/nearest), raised to
    ``minimum_billable_minutes``, then capped at planned when ``cap_at_planned`` (unless an approved
    amendment set the times). Carers' pay is figured separately and never below the minutes worked.
    """

    __table_args__ = (UniqueConstraint("authority_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    authority_id: int = Field(foreign_key="authority.id", index=True)
    version: int = 1
    effective_from: date
    billing_unit_minutes: int = 15
    rounding: str = Field(default="nearest", max_length=10)
    grace_minutes: int = 5
    minimum_billable_minutes: int = 15
    cap_at_planned: bool = True
    double_handed_per_carer: bool = True
    bill_missed: bool = False
    bill_short_notice_cancellations: bool = True
    cancellation_notice_hours: int = 24
    unverified_billable_before_approval: bool = False
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(default_now=True)


class ScheduledExport(SQLModel, table=True):
    """A file the weekly job wrote to the outbox; the unique key makes the job idempotent across processes."""

    __table_args__ = (UniqueConstraint("provider_id", "week_ending", "format"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    week_ending: date = Field(index=True)
    format: str = Field(max_length=20)
    batch_id: int | None = Field(default=None, foreign_key="exportbatch.id")
    path: str = Field(default="", max_length=500)
    created_at: datetime = utc_field(default_now=True)


# The prepared figures' columns, one whole number per field of billing.Totals, which declares them once.
BillingFigures: type[SQLModel] = create_model(
    "BillingFigures", __base__=SQLModel, **{name: (int, 0) for name in Totals.__struct_fields__}
)


class BillingFact(BillingFigures, table=True):
    """One visit's prepared reconciliation figures (its :class:`~backend.domain.finance.billing.Totals`, whose
    fields are the columns of ``BillingFigures``), so a week is a sum over rows instead of a re-billing of
    every visit.

    Kept current from ``billing_change``: database triggers on the visit tables queue every change
    and a read drains its range first (see :mod:`backend.domain.finance.prepared`). ``rules_key``
    names the rules and billing logic the figures were made with; ``as_of`` is the newest queued
    change they reflect, so a slower refresh never overwrites a newer one.
    """

    __tablename__ = "billing_fact"
    __table_args__ = (
        Index("ix_billing_fact_provider_day", "provider_id", "visit_date"),
        Index("ix_billing_fact_client_day", "client_id", "visit_date"),
    )

    visit_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    provider_id: int = Field(foreign_key="provider.id")
    client_id: int
    visit_date: date = Field(index=True)
    rules_key: str = Field(max_length=20)
    as_of: int = 0


class BillingChange(SQLModel, table=True):
    """A visit whose billing may have changed: written by triggers on ``visit``, ``visitassignment``,
    ``visitevent`` (check-ins and check-outs) and ``amendment``, with the visit's provider and day
    (its old and its new day when it moved), and deleted once its figures are prepared again."""

    __tablename__ = "billing_change"
    # Ids are never reused (SQLite would otherwise restart them once the queue is empty), so a
    # prepared row's ``as_of`` always orders against newer changes.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int
    provider_id: int = Field(index=True)
    visit_date: date = Field(index=True)


class ExportRun(SQLModel, table=True):
    """One run of the weekly export, in the scheduler's process or a queue worker: its progress while it runs.

    A run covers every provider, so it belongs to none; it names providers only by count.
    """

    __tablename__ = "export_run"

    id: int | None = Field(default=None, primary_key=True)
    due_at: datetime = utc_field()  # the scheduler's fire time the run was started for
    status: str = Field(default="running", max_length=20)  # running, done, failed
    progress: float = 0.0  # 0..1
    stage: str = Field(default="", max_length=120)
    files: int = 0  # written so far
    worker: str = Field(default="", max_length=120)
    error: str = Field(default="", max_length=1000)
    started_at: datetime = utc_field(default_now=True)
    finished_at: datetime | None = utc_field(nullable=True)
