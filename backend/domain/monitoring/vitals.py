"""Storing a client's vital-sign readings, triaging them against their history, and FHIR export.

Readings are kept one row per sign in the canonical UCUM unit; a reading already
stored (same client, code, time and value) or a replayed Idempotency-Key is never written twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.alerts.models import Alert
from backend.domain.alerts.repositories import AlertRepository
from backend.domain.monitoring.alerting import raise_vitals_alert
from backend.domain.monitoring.models import Observation
from backend.domain.monitoring.profiles import profile_for
from backend.domain.monitoring.repositories import ObservationRepository
from backend.domain.monitoring.schemas import AlertRaised, ObservationOut, ObservationsRecorded
from sensors.vitals import VitalsProfile, triage
from sensors.vitals.loinc import CODES, EXPORT_CODES
from shared.timekeeping import as_utc
from shared.vitals import CANONICAL_UNITS, VitalObservation, VitalSign

HISTORY = timedelta(days=14)  # the longest look-back of any triage rule (weight trend, SpO2 baseline)


def code_of(sign: VitalSign) -> str:
    """The stored code: LOINC where the sign has one, else the sign's own name."""
    return EXPORT_CODES[sign][0] if sign in EXPORT_CODES else sign.value


def sign_of(row: Observation) -> VitalSign:
    """The sign a stored row measures."""
    name = row.components.get("sign")
    return VitalSign(name) if name else CODES.get(row.code) or VitalSign(row.code)


def reading_of(row: Observation) -> VitalObservation:
    """A stored row as the library's observation."""
    date_only = row.components.get("date_only")
    return VitalObservation(client=str(row.client_id), sign=sign_of(row), value=row.value, time=row.effective_at,
                            source=str(row.components.get("source", "stored")),
                            date_only=str(date_only) if date_only else None)


async def readings_since(session: AsyncSession, scope: TenantScope, client_ids: Collection[int],
                         since: datetime) -> dict[int, list[tuple[VitalSign, float, datetime]]]:
    """Each client's readings since ``since`` as (sign, value, time), oldest first."""
    found: dict[int, list[tuple[VitalSign, float, datetime]]] = {}
    if not client_ids:
        return found
    for client_id, code, sign, value, at in await ObservationRepository(session, scope).since(client_ids, since):
        found.setdefault(client_id, []).append((VitalSign(sign) if sign else CODES.get(code) or VitalSign(code),
                                                value, as_utc(at)))
    for readings in found.values():
        readings.sort(key=lambda reading: reading[2])
    return found


async def reading_counts(session: AsyncSession, scope: TenantScope, client_ids: Collection[int], start: datetime,
                         end: datetime) -> dict[tuple[int, str], int]:
    """How many readings of each sign each client took between ``start`` and ``end``."""
    found: dict[tuple[int, str], int] = {}
    if not client_ids:
        return found
    for client_id, code, sign, count in await ObservationRepository(session, scope).counts(client_ids, start, end):
        key = (client_id, str(VitalSign(sign) if sign else CODES.get(code) or VitalSign(code)))
        found[key] = found.get(key, 0) + count
    return found


def observation_out(row: Observation) -> ObservationOut:
    """The public shape of an observation row."""
    assert row.id is not None
    date_only = row.components.get("date_only")
    return ObservationOut(row.id, row.client_id, row.device_id, sign_of(row).value, row.code, row.value, row.unit,
                          row.effective_at, str(row.components.get("source", "")),
                          date_only=str(date_only) if date_only else None)


def _alert_out(alert: Alert) -> AlertRaised:
    assert alert.id is not None
    return AlertRaised(alert.id, alert.kind, alert.severity, alert.message)


async def _replay(session: AsyncSession, repo: ObservationRepository, client_id: int, key: str) -> ObservationsRecorded | None:
    rows = await repo.list(Observation.client_id == client_id,
                           Observation.components["idempotency_key"].as_string() == key,  # type: ignore[index]
                           order_by=Observation.id)
    if not rows:
        return None
    alert_ids = [int(i) for i in rows[0].components.get("alert_ids", [])]
    alerts = await AlertRepository(session, repo.scope).list(Alert.id.in_(alert_ids), order_by=Alert.id) if alert_ids else []  # type: ignore[union-attr]
    return ObservationsRecorded([observation_out(r) for r in rows], [_alert_out(a) for a in alerts])


async def record_observations(session: AsyncSession, *, provider_id: int, client_id: int, device_id: int | None,
                              readings: Sequence[VitalObservation], idempotency_key: str | None = None,
                              profile: VitalsProfile | None = None) -> ObservationsRecorded:
    """Store validated readings, triage them against the client's recent history and raise the alerts.

    Triage uses ``profile`` when given, else the client's own condition profile and thresholds.
    """
    repo = ObservationRepository(session, TenantScope.single(provider_id))
    if idempotency_key:
        first = await _replay(session, repo, client_id, idempotency_key)
        if first is not None:
            return first
    earliest = min(as_utc(r.time) for r in readings)
    latest = max(as_utc(r.time) for r in readings)
    past = await repo.list(Observation.client_id == client_id, Observation.effective_at >= earliest - HISTORY,
                           Observation.effective_at <= latest, order_by=Observation.effective_at)
    stored: dict[tuple[str, Any, float], Observation] = {(r.code, r.effective_at, r.value): r for r in past}
    rows: list[Observation] = []
    new: list[VitalObservation] = []
    for reading in readings:
        key = (code_of(reading.sign), as_utc(reading.time), reading.value)
        row = stored.get(key)
        if row is None:
            components: dict[str, Any] = {"sign": reading.sign.value, "source": reading.source}
            if reading.date_only:
                components["date_only"] = reading.date_only
            if idempotency_key:
                components["idempotency_key"] = idempotency_key
            row = Observation(provider_id=provider_id, client_id=client_id, device_id=device_id, code=key[0],
                              value=reading.value, unit=CANONICAL_UNITS[reading.sign], effective_at=key[1],
                              components=components)
            await repo.add(row)
            stored[key] = row
            new.append(reading)
        rows.append(row)
    history = [reading_of(r) for r in past]
    findings = triage(new, history, profile or await profile_for(session, provider_id, client_id))
    alerts = [(await raise_vitals_alert(session, provider_id, client_id, finding))[0] for finding in findings]
    if idempotency_key and alerts:
        for row in rows:
            if row.components.get("idempotency_key") == idempotency_key:
                row.components = {**row.components, "alert_ids": [a.id for a in alerts]}
                session.add(row)
        await session.flush()
    unique_rows = list({id(r): r for r in rows}.values())
    return ObservationsRecorded([observation_out(r) for r in unique_rows], [_alert_out(a) for a in alerts])
