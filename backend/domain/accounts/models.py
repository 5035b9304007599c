"""Tables for who is who: commissioning authorities, provider agencies and user accounts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.database.columns import enum_field, utc_field
from shared.enums import Role


class Authority(SQLModel, table=True):
    """A council that commissions care and pays providers."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=200)


class Provider(SQLModel, table=True):
    """A care agency holding a contract with an authority; the unit of tenancy.

    A ``hub_only`` row is no agency: it is a telehealth hub's tenancy for the people it monitors who receive
    no home care. Nobody signs in to it, and no provider, commissioner, rota or finance export lists it.
    """

    id: int | None = Field(default=None, primary_key=True)
    authority_id: int = Field(foreign_key="authority.id", index=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=200)
    hub_only: bool = False


class User(SQLModel, table=True):
    """A sign-in account. Provider staff carry ``provider_id``; commissioners an ``authority_id``."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=120)
    full_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=200)
    role: Role = enum_field(index=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    authority_id: int | None = Field(default=None, foreign_key="authority.id", index=True)
    is_active: bool = True
    created_at: datetime = utc_field(default_now=True)
