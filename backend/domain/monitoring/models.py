"""Tables for devices in clients' homes and what they report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.database.columns import enum_field, json_dict, provider_fk, utc_field
from shared.enums import TelehealthProfile as ProfileName


class Device(SQLModel, table=True):
    """A sensor gateway or telehealth hub registered to a client's home."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    kind: str = Field(max_length=30)
    name: str = Field(max_length=120, unique=True)
    token_hash: str = Field(default="", max_length=200)
    rooms: dict = json_dict()
    online: bool = True  # the gateway or hub itself; its sensors' state is in sensor_health
    last_seen: datetime | None = utc_field(nullable=True)


class SensorHealth(SQLModel, table=True):
    """One sensor of a gateway or hub: whether it is online, its battery and when it last spoke.

    Kept per sensor, not per gateway, so one sensor's report never hides another's outage.
    """

    __tablename__ = "sensor_health"
    __table_args__ = (UniqueConstraint("device_id", "sensor"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    device_id: int = Field(foreign_key="device.id", index=True)
    sensor: str = Field(max_length=120)
    room: str = Field(max_length=60)
    online: bool = True
    battery: float | None = None
    last_seen: datetime | None = utc_field(nullable=True)


class SensorEvent(SQLModel, table=True):
    """One normalised sensor reading; (device, device time, sequence) makes ingest idempotent."""

    __table_args__ = (UniqueConstraint("device_id", "at", "sensor", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    device_id: int = Field(foreign_key="device.id", index=True)
    sensor: str = Field(max_length=120)
    room: str = Field(max_length=60)
    kind: str = Field(max_length=20)
    value: float
    at: datetime = utc_field(index=True)
    sequence: int = 0
    received_at: datetime = utc_field(default_now=True)


class Observation(SQLModel, table=True):
    """A vital-sign reading (LOINC code, UCUM unit)."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", index=True)
    device_id: int | None = Field(default=None, foreign_key="device.id")
    code: str = Field(max_length=20)
    value: float
    unit: str = Field(max_length=20)
    effective_at: datetime = utc_field(index=True)
    components: dict = json_dict()


class DeadLetter(SQLModel, table=True):
    """A device payload that could not be understood, kept with the reason for admins."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    source: str = Field(max_length=60)
    reason: str = Field(max_length=500)
    payload: str
    received_at: datetime = utc_field(default_now=True)


class TelehealthProfile(SQLModel, table=True):
    """A client's condition profile and the thresholds set for them (only those that differ from the default)."""

    __tablename__ = "telehealth_profile"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = provider_fk()
    client_id: int = Field(foreign_key="client.id", unique=True)
    profile: ProfileName = enum_field(ProfileName.DEFAULT)
    thresholds: dict = json_dict()
    updated_at: datetime = utc_field(default_now=True)
    updated_by: int | None = Field(default=None, foreign_key="user.id")
