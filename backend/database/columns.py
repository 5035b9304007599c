"""Field helpers shared by every SQLModel table, so each table states only what is special."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlmodel import Field

from backend.database.types import UTCDateTime, json_column
from shared.timekeeping import utc_now


def provider_fk() -> Any:
    """The tenancy column every provider-owned row carries."""
    return Field(foreign_key="provider.id", index=True)


def utc_field(*, nullable: bool = False, index: bool = False, default_now: bool = False) -> Any:
    """An aware-UTC datetime column."""
    if default_now:
        return Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=nullable, index=index)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def json_list() -> Any:
    """A JSON list column defaulting to empty."""
    return Field(default_factory=list, sa_column=json_column())


def json_dict() -> Any:
    """A JSON object column defaulting to empty."""
    return Field(default_factory=dict, sa_column=json_column())




def enum_field(default: Any = ..., *, nullable: bool = False, index: bool = False) -> Any:
    """A StrEnum stored as its plain value, so new members never need a database type change."""
    return Field(default=default, sa_type=String(30), nullable=nullable, index=index)
