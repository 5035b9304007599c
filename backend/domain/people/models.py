"""Tables for carers, clients (service users), care packages and their weekly visit templates."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel

from backend.database.columns import json_list, provider_fk


class Carer(SQLModel, table=True):
    """A care worker employed by a provider."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    ref: str = Field(max_length=32, index=True)
    name: str = Field(max_length=200)
    skills: list[str] = json_list()
    contracted_hours: float = 37.5
    home_lat: float
    home_lon: float
    travel_mode: str = Field(default="car", max_length=10)


class Client(SQLModel, table=True):
    """A person receiving care at home."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    ref: str = Field(max_length=32, index=True)
    name: str = Field(max_length=200)
    address: str = Field(max_length=300)
    postcode: str = Field(max_length=10)
    lat: float
    lon: float
    geofence_radius_m: float = 150.0
    access_notes: str = Field(default="", max_length=1000)
    tag_secret: str = Field(max_length=64)
    tag_version: int = 1


class CarePackage(SQLModel, table=True):
    """The commissioned plan for one client."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    service_type: str = Field(default="personal_care", max_length=40)
    start_date: date
    end_date: date | None = None


class VisitTemplate(SQLModel, table=True):
    """One planned visit in a care package's weekly schedule."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    care_package_id: int = Field(foreign_key="carepackage.id", index=True)
    weekday: int = Field(ge=0, le=6)
    start_minute: int = Field(ge=0, lt=24 * 60)
    duration_minutes: int = Field(gt=0, le=24 * 60)
    carers_needed: int = Field(default=1, ge=1, le=2)
    skills: list[str] = json_list()
    tasks: list[dict] = json_list()
    medications: list[dict] = json_list()
