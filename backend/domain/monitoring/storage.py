"""Writing sensor events (idempotently, in batches) and dead letters.

The unique key (device, device time, sensor, sequence) makes every write safe to
repeat; ``sequence`` numbers the kinds one sensor reports in one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.audit.services import record
from backend.domain.monitoring.devices import DeviceRef
from backend.domain.monitoring.models import DeadLetter, SensorEvent
from backend.domain.monitoring.repositories import DeadLetterRepository, SensorEventRepository
from shared.enums import SensorKind
from shared.sensor_events import SensorEvent as Reading
from shared.timekeeping import as_utc, utc_now

MAX_PAYLOAD_CHARS = 20_000
_SEQUENCE = {kind: number for number, kind in enumerate(SensorKind)}
_UNIQUE = ["device_id", "at", "sensor", "sequence"]


def sequence_of(kind: SensorKind) -> int:
    """The sequence number a reading of ``kind`` is stored under (stable across releases: append new kinds)."""
    return _SEQUENCE[kind]


def event_row(device: DeviceRef, reading: Reading, received_at: datetime) -> dict[str, Any]:
    """The ``sensorevent`` row for one normalised reading."""
    return {
        "provider_id": device.provider_id, "client_id": device.client_id, "device_id": device.device_id,
        "sensor": reading.sensor[:120], "room": reading.room[:60], "kind": reading.kind.value, "value": reading.value,
        "at": as_utc(reading.time), "sequence": sequence_of(reading.kind), "received_at": received_at,
    }


async def insert_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert event rows, skipping any already stored (a redelivery or a replayed request)."""
    if not rows:
        return
    dialect = session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SensorEvent.__table__).on_conflict_do_nothing(index_elements=_UNIQUE)  # type: ignore[attr-defined]
    await session.execute(statement, list(rows))  # executemany: the driver batches the rows


def event_key(row: dict[str, Any]) -> tuple[datetime, str, int]:
    """A row's place in the unique key within its device."""
    return row["at"], row["sensor"], row["sequence"]


async def stored_ids(session: AsyncSession, device: DeviceRef,
                     rows: Sequence[dict[str, Any]]) -> dict[tuple[datetime, str, int], int]:
    """Ids of those of ``rows`` already stored for the device, by unique key."""
    if not rows:
        return {}
    repo = SensorEventRepository(session, TenantScope.single(device.provider_id))
    stored = await repo.list(SensorEvent.device_id == device.device_id,
                             SensorEvent.at >= min(r["at"] for r in rows), SensorEvent.at <= max(r["at"] for r in rows),
                             SensorEvent.sensor.in_({r["sensor"] for r in rows}))  # type: ignore[attr-defined]
    wanted = {event_key(r) for r in rows}
    found = {(e.at, e.sensor, e.sequence): e.id for e in stored}
    return {key: row_id for key, row_id in found.items() if key in wanted and row_id is not None}


def dead_letter_row(source: str, reason: str, payload: bytes | str, provider_id: int | None,
                    received_at: datetime | None = None) -> DeadLetter:
    """A dead-letter row, the payload cut to a size an admin can read."""
    text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else payload
    if len(text) > MAX_PAYLOAD_CHARS:
        text = text[:MAX_PAYLOAD_CHARS] + f"… [{len(text) - MAX_PAYLOAD_CHARS} more characters]"
    return DeadLetter(provider_id=provider_id, source=source[:60], reason=reason[:500], payload=text,
                      received_at=received_at or utc_now())


async def add_dead_letter(session: AsyncSession, letter: DeadLetter) -> DeadLetter:
    """Store a dead letter in the session's transaction (unattributed ones belong to no provider)."""
    if letter.provider_id is None:
        session.add(letter)
        await session.flush()
        return letter
    return await DeadLetterRepository(session, TenantScope.single(letter.provider_id)).add(letter)


async def keep_dead_letter(session: AsyncSession, letter: DeadLetter) -> int:
    """Store a dead letter and commit at once, so it survives the request failing afterwards; returns its id.

    The request's own session is used (SQLite gives a process one connection, so a
    second session would wait for the first); nothing else has been written in it yet.
    """
    await add_dead_letter(session, letter)
    record(session, None, "reject", "dead_letter", letter.id, provider_id=letter.provider_id,
           detail={"source": letter.source, "reason": letter.reason})
    await session.commit()
    assert letter.id is not None
    return letter.id
