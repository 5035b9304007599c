"""Sensor events: the webhook hubs push to (device token) and each client's event history (staff)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotAuthorizedException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_supervisor
from backend.domain.audit.services import record
from backend.domain.monitoring import urls
from backend.domain.monitoring.alerting import raise_alarm_alert
from backend.domain.monitoring.dependencies import provide_device
from backend.domain.monitoring.devices import bindings_of, home_key, ref_of
from backend.domain.monitoring.models import Device, SensorEvent
from backend.domain.monitoring.repositories import SensorEventRepository
from backend.domain.monitoring.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, signing_key, verify
from backend.domain.monitoring.schemas import EventsAccepted, SensorEventOut
from backend.domain.monitoring.sensor_health import HealthChanges, apply_health, note_reading
from backend.domain.monitoring.storage import (
    dead_letter_row,
    event_key,
    event_row,
    insert_events,
    keep_dead_letter,
    stored_ids,
)
from backend.domain.operations.paging import page_alarms
from backend.domain.people.access import client_in_scope
from backend.openapi import json_schema, raw_body
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.tokens import DEVICE_SCHEME
from sensors.adapters.base import PayloadError
from sensors.adapters.webhook import parse_webhook
from sensors.adapters.webhook.parser import SOURCE as WEBHOOK
from sensors.adapters.webhook.parser import WebhookBody, WebhookReading
from shared.sensor_events import SensorEvent as Reading
from shared.timekeeping import as_utc, utc_now

IdempotencyKey = Annotated[str | None, Parameter(header="Idempotency-Key", required=False, max_length=100)]


def payload_problem(detail: str, dead_letter_id: int, **extra: Any) -> ClientException:
    """A 400 problem for a device payload that was kept as a dead letter."""
    return ClientException(detail, status_code=400,
                           extra={"title": "Invalid device payload", "dead_letter_id": dead_letter_id, **extra})


def event_out(e: SensorEvent) -> SensorEventOut:
    """The public shape of a stored event."""
    assert e.id is not None
    return SensorEventOut(e.id, e.client_id, e.device_id, e.sensor, e.room, e.kind, e.value, e.at, e.received_at)


def _as_registered(device: Device, readings: list[Reading]) -> list[Reading]:
    # A sensor named in the device's mapping reports from its registered room and kind.
    bindings = bindings_of(device.rooms)
    out = []
    for reading in readings:
        binding = bindings.get(reading.sensor)
        if binding is not None:
            reading = Reading(home=reading.home, sensor=reading.sensor, room=binding.room,
                              kind=binding.kind or reading.kind, value=reading.value, time=reading.time,
                              source=reading.source)
        out.append(reading)
    return out


def _within_window(readings: list[Reading], now: datetime, settings: Any) -> None:
    """A reading from the future (beyond the clock skew allowed) or older than a hub may hold one is refused."""
    earliest = now - timedelta(hours=settings.offline_window_hours)
    latest = now + timedelta(minutes=settings.future_skew_minutes)
    for index, reading in enumerate(readings):
        moment = as_utc(reading.time)
        if moment > latest:
            raise PayloadError(f"events[{index}].time {moment.isoformat()} is in the future (more than "
                               f"{settings.future_skew_minutes} min ahead of the server)")
        if moment < earliest:
            raise PayloadError(f"events[{index}].time {moment.isoformat()} is older than the "
                               f"{settings.offline_window_hours} h a hub may hold readings")


class SensorEventController(Controller):
    """Sensor readings in and out."""

    tags = ["monitoring"]

    @post(urls.SENSOR_EVENTS, status_code=202, exclude_from_auth=True,
          dependencies={"device": Provide(provide_device)}, security=[{DEVICE_SCHEME: []}],
          operation_class=raw_body("A hub's readings: {\"events\": [...]} or a single reading, signed with the "
                                   "device's secret (X-Domicare-Timestamp and X-Domicare-Signature headers)",
                                   json_schema(WebhookBody, WebhookReading)),
          summary="Webhook for hubs that push sensor events (device token, signed body)")
    async def receive(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession, device: Device,
                      idempotency_key: IdempotencyKey = None) -> Response[EventsAccepted]:
        """Store a hub's readings for the home its device is registered to.

        The body must be signed with the device's signing key (``X-Domicare-Timestamp``,
        ``X-Domicare-Signature: sha256=<HMAC of "<timestamp>.<body>">``) within the allowed clock
        skew, else a 401 and a dead letter; a reading dated in the future beyond the skew, or older
        than ``offline_window_hours``, is a 400 and a dead letter. Replaying a request (same readings, any Idempotency-Key) writes nothing new and
        returns the same ids; a malformed body is a 400 problem and a dead letter. An
        alarm reading (kind sos, water_leak, smoke, gas, carbon_monoxide with value 1)
        raises an urgent alert and pages the on-call contacts as soon as it is stored.
        """
        body = await request.body()
        settings = state.settings
        now = utc_now()
        try:
            verify(signing_key(settings.secret_key, device.token_hash), request.headers.get(TIMESTAMP_HEADER),
                   request.headers.get(SIGNATURE_HEADER), body, now, timedelta(minutes=settings.future_skew_minutes))
        except SignatureError as exc:
            letter = dead_letter_row(WEBHOOK, f"device {device.name}: {exc}", body, device.provider_id)
            await keep_dead_letter(db_session, letter)
            raise NotAuthorizedException(str(exc)) from None
        try:
            readings = _as_registered(device, parse_webhook(body, home_key(device.client_id)))
            _within_window(readings, now, settings)
        except (PayloadError, AttributeError, TypeError, KeyError, ValueError, OverflowError) as exc:
            reason = str(exc) if isinstance(exc, PayloadError) else f"malformed body ({exc.__class__.__name__}: {exc})"
            letter = dead_letter_row(WEBHOOK, f"device {device.name}: {reason}", body, device.provider_id)
            raise payload_problem(reason, await keep_dead_letter(db_session, letter)) from None
        ref = ref_of(device)
        received_at = now
        rows = [event_row(ref, reading, received_at) for reading in readings]
        before = await stored_ids(db_session, ref, rows)
        await insert_events(db_session, rows)
        after = await stored_ids(db_session, ref, rows)
        ids = [after[event_key(row)] for row in rows]
        fresh = [reading for reading, row in zip(readings, rows) if event_key(row) not in before]
        device.last_seen = max(received_at, device.last_seen or received_at)
        device.online = True
        db_session.add(device)
        health: HealthChanges = {}
        for reading in fresh:
            note_reading(health, ref, reading)
        await apply_health(db_session, health)
        record(db_session, None, "ingest", "sensor_event", device.id, provider_id=device.provider_id,
               detail={"device_id": device.id, "events": len(rows), "idempotency_key": idempotency_key})
        alarms = [alert.id for alert, created in [await raise_alarm_alert(db_session, ref, reading)
                                                  for reading in fresh if reading.is_alarm] if created]
        monitoring = getattr(state, "monitoring", None)
        if monitoring is not None and fresh:
            monitoring.observe(ref, fresh)  # the live detectors see webhook homes too, each reading once
        if not alarms:
            return Response(EventsAccepted(len(ids), ids), status_code=202)
        await db_session.commit()  # the pages read the alarms from another session: they must be there
        paging = BackgroundTask(page_alarms, state.sessionmaker, state.settings, alarms, utc_now())
        return Response(EventsAccepted(len(ids), ids), status_code=202, background=paging)

    @get(urls.CLIENT_SENSOR_EVENTS, guards=[requires_supervisor],
         dependencies={"page": Provide(provide_page_params, sync_to_thread=False)},
         summary="A client's sensor events, newest first")
    async def list_for_client(self, db_session: AsyncSession, tenant: TenantScope, client_id: int, page: PageParams,
                              since: datetime | None = None, until: datetime | None = None,
                              kind: str | None = None, sensor: str | None = None) -> Page[SensorEventOut]:
        """Events of one client's home, optionally within [since, until) and of one kind or sensor."""
        await client_in_scope(db_session, tenant, client_id)
        filters: list[Any] = [SensorEvent.client_id == client_id]
        if since is not None:
            filters.append(SensorEvent.at >= as_utc(since))
        if until is not None:
            filters.append(SensorEvent.at < as_utc(until))
        if kind is not None:
            filters.append(SensorEvent.kind == kind)
        if sensor is not None:
            filters.append(SensorEvent.sensor == sensor)
        repo = SensorEventRepository(db_session, tenant)
        statement = repo.select().where(*filters).order_by(SensorEvent.at.desc(), SensorEvent.id.desc())  # type: ignore[attr-defined]
        rows = (await db_session.execute(statement.limit(page.limit).offset(page.offset))).scalars().all()
        return Page([event_out(e) for e in rows], await repo.count(*filters), page.limit, page.offset)
