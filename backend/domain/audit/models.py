"""The audit log table. Rows are only ever inserted."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.database.columns import json_dict, utc_field


class AuditLog(SQLModel, table=True):
    """Who did what to which record, and when."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=60)
    entity_id: str = Field(default="", max_length=60)
    at: datetime = utc_field(default_now=True, index=True)
    detail: dict = json_dict()
