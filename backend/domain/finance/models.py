"""Tables for finance exports: every file handed to a portal is recorded and never reused."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from backend.database.columns import provider_fk, utc_field


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
