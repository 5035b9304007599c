"""Vital-sign readings: posted by a telehealth hub (device token) or by staff, read back as JSON or FHIR."""

from __future__ import annotations

import re
from typing import Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_supervisor
from backend.domain.audit.services import record
from backend.domain.monitoring import urls
from backend.domain.monitoring.controllers.sensor_events import IdempotencyKey, payload_problem
from backend.domain.monitoring.dependencies import Caller, provide_caller
from backend.domain.monitoring.models import Observation
from backend.domain.monitoring.repositories import ObservationRepository
from backend.domain.monitoring.schemas import EntryOutcome, FhirBundle, ObservationOut, ObservationsRecorded, readings_body
from backend.domain.monitoring.storage import add_dead_letter, dead_letter_row, keep_dead_letter
from backend.domain.monitoring.vitals import code_of, observation_out, reading_of, record_observations
from backend.domain.people.access import client_in_scope
from backend.domain.people.models import Client
from backend.domain.people.repositories import ClientRepository
from backend.domain.visits.access import check_carer_visits_client
from backend.openapi import raw_body
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.tokens import BEARER_SCHEME, DEVICE_SCHEME
from sensors.vitals import VitalsError, parse_compact, parse_observation, to_bundle
from shared.enums import Role
from shared.vitals import VitalObservation, VitalSign

BP_CODES = tuple(code_of(sign) for sign in (VitalSign.SYSTOLIC_BP, VitalSign.DIASTOLIC_BP))

STAFF = frozenset({Role.CARER, Role.SUPERVISOR, Role.PROVIDER_ADMIN})
SOURCE = "vitals"
_SIGN_WORDS = sorted(((s.value.replace("_", " "), s.value) for s in VitalSign), key=lambda w: -len(w[0]))
_FIELD = re.compile(r"^(time|effectiveDateTime|subject|Observation\.\w+|component\[\d+\][\w.]*|on_oxygen|consciousness)\b")


def field_of(message: str) -> str | None:
    """The field a vitals error is about, for the problem's ``field`` member."""
    for words, name in _SIGN_WORDS:
        if message.startswith(words):
            return name
    if message.startswith("blood pressure"):
        return "blood_pressure"
    quoted = re.match(r"unknown field '([^']+)'", message)
    if quoted:
        return quoted.group(1)
    match = _FIELD.match(message)
    return match.group(1) if match else None


def _subject(resource: dict[str, Any]) -> str | None:
    reference = (resource.get("subject") or {}).get("reference") if isinstance(resource.get("subject"), dict) else None
    return reference.rsplit("/", 1)[-1] if isinstance(reference, str) else None


def parse_readings(body: bytes, client: Client) -> tuple[list[VitalObservation], list[EntryOutcome]]:
    """Readings from a FHIR Observation, a FHIR Bundle of Observations, or the compact form.

    A Bundle is read entry by entry, like a FHIR batch: good entries give their readings and
    each entry gets an outcome, a bad one its reason and index; it is refused whole only when
    no entry could be used. Whatever the shape, a body that cannot be read is a ``VitalsError``,
    never a crash (the parsers assume JSON objects where a sender may put a list or a string).
    """
    try:
        return _parse_readings(body, client)
    except VitalsError:
        raise
    except (AttributeError, TypeError, KeyError, ValueError, OverflowError) as exc:
        raise VitalsError(f"malformed reading ({exc.__class__.__name__}: {exc})") from None


def _resource_readings(resource: Any, client: Client) -> list[VitalObservation]:
    if not isinstance(resource, dict):
        raise VitalsError("expected a FHIR Observation resource")
    subject = _subject(resource)
    if subject is not None and subject not in (str(client.id), client.ref):
        raise VitalsError(f"subject {subject!r} is not client {client.id} ({client.ref})")
    try:
        return parse_observation(resource, client=subject or str(client.id))
    except (AttributeError, TypeError, KeyError, ValueError, OverflowError) as exc:
        if isinstance(exc, VitalsError):
            raise
        raise VitalsError(f"malformed reading ({exc.__class__.__name__}: {exc})") from None


def _parse_readings(body: bytes, client: Client) -> tuple[list[VitalObservation], list[EntryOutcome]]:
    try:
        shape = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise VitalsError(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise VitalsError("body is nested too deeply") from None
    if not isinstance(shape, dict):
        raise VitalsError("expected a JSON object: a FHIR Observation or Bundle, or the compact form")
    if "resourceType" not in shape:
        return parse_compact(body, str(client.id)), []
    if shape.get("resourceType") != "Bundle":
        readings = _resource_readings(shape, client)
        if not readings:
            raise VitalsError("a vital-signs panel's readings are its members: send them too (a Bundle holds both)")
        return readings, []
    entries = shape.get("entry")
    if not isinstance(entries, list) or not entries:
        raise VitalsError("Bundle has no entries")
    readings: list[VitalObservation] = []
    outcomes = []
    for index, entry in enumerate(entries):
        try:
            found = _resource_readings(entry.get("resource") if isinstance(entry, dict) else None, client)
        except VitalsError as exc:
            outcomes.append(EntryOutcome(index, "refused", reason=str(exc)))
            continue
        readings += found
        outcomes.append(EntryOutcome(index, "stored" if found else "read through its members", len(found)))
    if not readings:
        reasons = "; ".join(f"entry[{o.index}]: {o.reason}" for o in outcomes if o.reason)
        raise VitalsError(f"no entry of the Bundle could be used ({reasons or 'panels without their members'})")
    return readings, outcomes


class ObservationController(Controller):
    """A client's vital signs."""

    tags = ["monitoring"]

    @post(urls.CLIENT_OBSERVATIONS, status_code=201, exclude_from_auth=True,
          dependencies={"caller": Provide(provide_caller)},
          security=[{DEVICE_SCHEME: []}, {BEARER_SCHEME: []}],
          operation_class=raw_body("Vital-sign readings: the compact form or FHIR R4", *readings_body()),
          summary="Record vital-sign readings (FHIR R4 Observation/Bundle or compact JSON)")
    async def record_readings(self, request: Request[Any, Any, Any], db_session: AsyncSession, caller: Caller,
                              client_id: int, idempotency_key: IdempotencyKey = None) -> ObservationsRecorded:
        """Validate, store and triage readings; NEWS2 ≥ 7 raises an emergency alert.

        A telehealth hub authenticates with its device token and may post only for the
        client it is registered to; staff use their access token, a carer only for the clients
        they visit. Impossible values are a 400 problem naming the field (and a dead letter when
        a device sent them).
        """
        device = caller.device
        if device is not None:
            if device.client_id != client_id:
                raise PermissionDeniedException("this device is registered to another client")
            scope = TenantScope.single(device.provider_id)
        else:
            assert caller.principal is not None
            if caller.principal.role not in STAFF:
                raise PermissionDeniedException("recording vital signs needs a device token or a staff role")
            scope = caller.principal.scope
        client = await client_in_scope(db_session, scope, client_id)
        if caller.principal is not None:
            await check_carer_visits_client(db_session, caller.principal, client_id,
                                            request.app.state.settings.offline_window_hours)
        body = await request.body()
        try:
            readings, entries = parse_readings(body, client)
        except VitalsError as exc:
            field = field_of(str(exc))
            extra = {"field": field} if field else {}
            if device is None:
                raise ClientException(str(exc), status_code=400, extra={"title": "Invalid reading", **extra}) from None
            letter = dead_letter_row(SOURCE, f"device {device.name}: {exc}", body, device.provider_id)
            raise payload_problem(str(exc), await keep_dead_letter(db_session, letter), **extra) from None
        result = await record_observations(db_session, provider_id=client.provider_id, client_id=client_id,
                                           device_id=device.id if device else None, readings=readings,
                                           idempotency_key=idempotency_key)
        refused = [entry for entry in entries if entry.status == "refused"]
        if device is not None and refused:
            # Kept with the Bundle, so an admin sees exactly what the device sent.
            for entry in refused:
                await add_dead_letter(db_session, dead_letter_row(
                    SOURCE, f"device {device.name}: Bundle entry[{entry.index}]: {entry.reason}", body,
                    device.provider_id))
        record(db_session, caller.principal, "record", "observation", client_id, provider_id=client.provider_id,
               detail={"observations": [o.id for o in result.observations], "alerts": [a.id for a in result.alerts],
                       "device_id": device.id if device else None, "idempotency_key": idempotency_key,
                       "refused_entries": [entry.index for entry in refused]})
        return msgspec.structs.replace(result, entries=entries)

    @get(urls.CLIENT_OBSERVATIONS, guards=[requires_supervisor],
         dependencies={"page": Provide(provide_page_params, sync_to_thread=False)},
         summary="A client's vital signs (JSON page, or a FHIR Bundle with format=fhir)")
    async def list_for_client(self, request: Request[Any, Any, Any], db_session: AsyncSession, tenant: TenantScope,
                              client_id: int, page: PageParams,
                              format: Literal["json", "fhir"] = "json") -> Page[ObservationOut] | FhirBundle:  # noqa: A002
        """Readings oldest first; ``format=fhir`` answers a FHIR R4 ``searchset`` Bundle of the page.

        In FHIR, paging counts resources (a blood-pressure panel is one, never split across
        pages); ``total`` is the number of resources and ``link`` gives self, next and previous.
        """
        if await ClientRepository(db_session, tenant).get(client_id) is None:
            raise NotFoundException(f"no client {client_id}")
        repo = ObservationRepository(db_session, tenant)
        if format == "fhir":
            rows, total = await repo.resource_page(client_id, BP_CODES, page.limit, page.offset)
            return to_bundle((reading_of(row) for row in rows), total=total,
                             links=_page_links(request, client_id, page, total))
        statement = repo.select().where(Observation.client_id == client_id) \
            .order_by(Observation.effective_at, Observation.id).limit(page.limit).offset(page.offset)  # type: ignore[arg-type]
        rows = (await db_session.execute(statement)).scalars().all()
        total = await repo.count(Observation.client_id == client_id)
        items: list[ObservationOut] = [observation_out(row) for row in rows]
        return Page(items, total, page.limit, page.offset)


def _page_links(request: Request[Any, Any, Any], client_id: int, page: PageParams, total: int) -> dict[str, str]:
    """Absolute self/next/previous URLs of a FHIR searchset page."""
    base = str(request.base_url).rstrip("/") + urls.CLIENT_OBSERVATIONS.replace("{client_id:int}", str(client_id))

    def at(offset: int) -> str:
        return f"{base}?format=fhir&limit={page.limit}&offset={offset}"

    links = {"self": at(page.offset)}
    if page.offset + page.limit < total:
        links["next"] = at(page.offset + page.limit)
    if page.offset > 0:
        links["previous"] = at(max(0, page.offset - page.limit))
    return links
