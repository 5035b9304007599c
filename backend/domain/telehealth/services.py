"""The hub's work: enrol, change a programme, step down, discharge (each audited), interventions and the person
view (the caseload worklist is `worklist.py`).

The hub reads a person's readings and alerts through the person's own provider tenancy, and only
for people with an open enrolment: once discharged, they drop out of every query here.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from litestar.exceptions import ClientException, NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.accounts.repositories import ProviderRepository
from backend.domain.alerts.services import acknowledge, open_of_clients
from backend.domain.audit.services import record
from backend.domain.monitoring.profiles import profile_settings, update_profile
from backend.domain.monitoring.schemas import ProfileIn
from backend.domain.monitoring.vitals import readings_since
from backend.domain.people.models import Client
from backend.domain.people.repositories import ClientRepository
from backend.domain.telehealth.models import Enrolment, Hub, Intervention
from backend.domain.telehealth.needs import breach
from backend.domain.telehealth.repositories import (
    ClinicianRepository,
    EnrolmentRepository,
    HubRecords,
    InterventionRepository,
    VisitRequestRepository,
)
from backend.domain.telehealth.schemas import (
    ClientRef,
    EnrolmentIn,
    InterventionIn,
    NewPerson,
    PersonOut,
    ProgrammeChange,
    ReadingOut,
    VisitRequestOut,
    enrolment_out,
    intervention_out,
    thresholds_of,
)
from backend.domain.telehealth.sms import normalise_phone
from backend.domain.telehealth.worklist import needs_of
from backend.domain.visits.summaries import visits_of
from backend.security.principal import Principal
from shared import telehealth as programmes
from shared.enums import AlertKind, EnrolmentState, TelehealthProfile
from shared.telehealth import TRENDS, Limits, hub_client_ref, hub_tenancy_code
from shared.timekeeping import to_london, utc_now
from shared.vitals import VitalSign


class ConflictError(ClientException):
    """The request clashes with the enrolment's state (HTTP 409)."""

    status_code = 409


def _measures_known(thresholds: dict[str, Limits]) -> None:
    unknown = sorted(set(thresholds) - set(VitalSign) - set(TRENDS))
    if unknown:
        allowed = ", ".join(sorted([*VitalSign, *TRENDS]))
        raise ClientException(f"thresholds name unknown measures {', '.join(unknown)}; allowed: {allowed}")


async def _check_clinician(session: AsyncSession, hub_id: int, clinician_id: int | None) -> None:
    if clinician_id is not None and await ClinicianRepository(session, hub_id).get(clinician_id) is None:
        raise ClientException(f"no clinician {clinician_id} in this hub")


async def client_name(session: AsyncSession, enrolment: Enrolment) -> str:
    """The enrolled person's name, read through their provider."""
    names = await ClientRepository(session, TenantScope.single(enrolment.provider_id)).names_of([enrolment.client_id])
    return names.get(enrolment.client_id, "")


async def open_enrolment(session: AsyncSession, hub_id: int, client_id: int) -> Enrolment:
    """The person's open enrolment with the hub; 404 when they are not (or no longer) enrolled."""
    enrolment = await EnrolmentRepository(session, hub_id).open_of_client(client_id)
    if enrolment is None:
        raise NotFoundException(f"client {client_id} is not enrolled with this hub")
    return enrolment


async def enrolment(session: AsyncSession, hub_id: int, enrolment_id: int) -> Enrolment:
    """One of the hub's enrolments, 404 for another hub's."""
    found = await EnrolmentRepository(session, hub_id).get(enrolment_id)
    if found is None:
        raise NotFoundException(f"no enrolment {enrolment_id}")
    return found


async def _hub_tenancy(session: AsyncSession, hub: Hub) -> int:
    """The hub's own tenancy for people without home care, made the first time it is needed."""
    if hub.provider_id is None:
        hub.provider_id = await ProviderRepository(session).add_hub_tenancy(
            hub.authority_id, hub_tenancy_code(hub.code), f"{hub.name} (people without home care)")
        session.add(hub)
        await session.flush()
    return hub.provider_id


async def _new_person(session: AsyncSession, hub: Hub, person: NewPerson) -> Client:
    """A client record in the hub's own tenancy: no provider sees it, and the hub only through an open enrolment."""
    provider_id = await _hub_tenancy(session, hub)
    repo = ClientRepository(session, TenantScope.single(provider_id))
    # No visits, so no place to check in at: the position is kept only if given (0, 0 otherwise).
    client = await repo.add(Client(provider_id=provider_id, ref="", name=person.name.strip(),
                                   address=person.address.strip(), postcode=person.postcode.strip().upper(),
                                   lat=person.lat or 0.0, lon=person.lon or 0.0, tag_secret=secrets.token_hex(16)))
    client.ref = hub_client_ref(hub.code, client.id or 0)
    session.add(client)
    await session.flush()
    return client


async def _client_to_enrol(session: AsyncSession, hub: Hub, data: EnrolmentIn) -> Client:
    """The person an enrolment is for: a client of a care provider in the hub's area, one of the hub's own people
    (enrolled again), or someone new without home care."""
    if (data.client_id is None) == (data.person is None):
        raise ClientException("give either client_id (a client of a provider) or person (someone without home care)")
    if data.person is not None:
        return await _new_person(session, hub, data.person)
    providers = set(await ProviderRepository(session).ids_in_authority(hub.authority_id))
    if hub.provider_id is not None:
        providers.add(hub.provider_id)
    client = await ClientRepository(session, TenantScope(frozenset(providers))).get(data.client_id or 0)
    if client is None:
        raise NotFoundException(f"no client {data.client_id} in the hub's area")
    if await EnrolmentRepository(session, hub.id).open_of_client(client.id or 0) is not None:
        raise ConflictError(f"client {data.client_id} is already enrolled")
    return client


async def enrol(session: AsyncSession, actor: Principal, hub_id: int, data: EnrolmentIn, settings: Settings) -> Enrolment:
    """Enrol a person of the hub's authority in a programme, filling what is left out from the condition's defaults."""
    hub = await HubRecords(session).get(hub_id)
    assert hub is not None
    await _check_clinician(session, hub_id, data.clinician_id)
    client = await _client_to_enrol(session, hub, data)
    thresholds = data.thresholds if data.thresholds is not None else programmes.DEFAULT_THRESHOLDS[data.condition]
    _measures_known(thresholds)
    row = Enrolment(
        hub_id=hub_id, client_id=client.id or 0, provider_id=client.provider_id, clinician_id=data.clinician_id,
        condition=data.condition, state=EnrolmentState.ACTIVE,
        devices=list(data.devices if data.devices is not None else programmes.DEFAULT_DEVICES[data.condition]),
        schedule={str(sign): hours for sign, hours in
                  (data.schedule if data.schedule is not None else programmes.DEFAULT_SCHEDULE[data.condition]).items()},
        thresholds=programmes.stored_limits(thresholds),
        education_plan=list(data.education_plan if data.education_plan is not None
                            else programmes.DEFAULT_EDUCATION[data.condition]),
        equipment_cost_pence=(data.equipment_cost_pence if data.equipment_cost_pence is not None
                              else settings.hub_equipment_cost_pence),
        monthly_cost_pence=(data.monthly_cost_pence if data.monthly_cost_pence is not None
                            else settings.hub_monthly_cost_pence),
        phone=normalise_phone(data.phone) if data.phone else "",
    )
    await EnrolmentRepository(session, hub_id).add(row)
    await _triage_for_condition(session, actor, row)
    _audit(session, actor, "enrolment.enrol", row, {"condition": str(row.condition), "schedule": row.schedule,
                                                    "thresholds": row.thresholds})
    return row


async def _triage_for_condition(session: AsyncSession, actor: Principal, row: Enrolment) -> None:
    """Triage the person's readings with their condition's rules, unless someone already chose a profile for them."""
    current = await profile_settings(session, row.provider_id, row.client_id)
    if current.profile == TelehealthProfile.DEFAULT:
        await update_profile(session, actor, row.provider_id, row.client_id,
                             ProfileIn(TelehealthProfile(str(row.condition)), current.thresholds))


def _audit(session: AsyncSession, actor: Principal, action: str, row: Enrolment, detail: dict[str, Any]) -> None:
    # The person's provider keeps the audit row: it is about their client, whoever in the hub acted.
    record(session, actor, action, "enrolment", row.id, provider_id=row.provider_id,
           detail={"hub_id": row.hub_id, "client_id": row.client_id, **detail})


def _must_be_open(row: Enrolment) -> None:
    if row.state == EnrolmentState.DISCHARGED:
        raise ConflictError(f"enrolment {row.id} was discharged on {row.discharged_at:%Y-%m-%d}")


async def change_programme(session: AsyncSession, actor: Principal, row: Enrolment, change: ProgrammeChange) -> Enrolment:
    """Change the fields given of an open programme, auditing each one's value before and after."""
    _must_be_open(row)
    await _check_clinician(session, row.hub_id, change.clinician_id)
    values: dict[str, Any] = {}
    if change.clinician_id is not None:
        values["clinician_id"] = change.clinician_id
    if change.devices is not None:
        values["devices"] = list(change.devices)
    if change.schedule is not None:
        values["schedule"] = {str(sign): hours for sign, hours in change.schedule.items()}
    if change.thresholds is not None:
        _measures_known(change.thresholds)
        values["thresholds"] = programmes.stored_limits(change.thresholds)
    if change.education_plan is not None:
        values["education_plan"] = list(change.education_plan)
    if change.phone is not None:
        values["phone"] = normalise_phone(change.phone)
    changes = {name: {"from": getattr(row, name), "to": value} for name, value in values.items()}
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    await session.flush()
    _audit(session, actor, "enrolment.change", row, {"changes": changes})
    return row


async def _breaches_since(session: AsyncSession, row: Enrolment, since: datetime) -> list[str]:
    """Readings since ``since`` outside the person's amber (or red) limits, described."""
    limits = thresholds_of(row)
    found = await readings_since(session, TenantScope.single(row.provider_id), [row.client_id], since)
    return [f"{sign.value} {value:g} on {at:%Y-%m-%d}" for sign, value, at in found.get(row.client_id, [])
            if sign in limits and breach(value, limits[sign]) is not None]


async def step_down(session: AsyncSession, actor: Principal, row: Enrolment, settings: Settings,
                    now: datetime | None = None) -> Enrolment:
    """Step a stable person down: fewer readings, wider amber limits. 409 unless they have been stable long enough."""
    now = now or utc_now()
    if row.state != EnrolmentState.ACTIVE:
        raise ConflictError(f"enrolment {row.id} is {row.state}, not active")
    stable = timedelta(days=settings.hub_step_down_stable_days)
    if now - row.enrolled_at < stable:
        raise ConflictError(f"enrolled {(now - row.enrolled_at).days} days ago; a step-down needs "
                            f"{stable.days} stable days")
    breaches = await _breaches_since(session, row, now - stable)
    if breaches:
        raise ConflictError(f"not stable for {stable.days} days: {len(breaches)} readings outside the limits, "
                            f"the latest {breaches[-1]}")
    schedule, thresholds = programmes.stepped_down(row.schedule, thresholds_of(row))
    before = {"schedule": row.schedule, "thresholds": row.thresholds}
    row.schedule, row.thresholds = schedule, programmes.stored_limits(thresholds)
    row.state, row.stepped_down_at = EnrolmentState.STEPPED_DOWN, now
    session.add(row)
    await session.flush()
    _audit(session, actor, "enrolment.step_down", row,
           {"from": before, "to": {"schedule": row.schedule, "thresholds": row.thresholds}})
    return row


async def discharge(session: AsyncSession, actor: Principal, row: Enrolment, reason: str,
                    now: datetime | None = None) -> Enrolment:
    """Discharge the person: the hub no longer sees their data."""
    _must_be_open(row)
    row.state, row.discharged_at, row.discharge_reason = EnrolmentState.DISCHARGED, now or utc_now(), reason
    session.add(row)
    await session.flush()
    _audit(session, actor, "enrolment.discharge", row, {"reason": reason})
    return row


async def record_intervention(session: AsyncSession, actor: Principal, hub_id: int, client_id: int,
                              data: InterventionIn, idempotency_key: str | None = None,
                              now: datetime | None = None) -> tuple[Intervention, int]:
    """Record what was done for an enrolled person; returns the row and how many open alerts it acknowledged.

    The clinician has now looked at the person, so their open vitals alerts are acknowledged and any
    follow-up already due is done. A replayed Idempotency-Key returns the first row and writes nothing.
    """
    now = now or utc_now()
    repo = InterventionRepository(session, hub_id)
    if idempotency_key:
        first = await repo.by_key(idempotency_key)
        if first is not None:
            return first, 0
    row = await open_enrolment(session, hub_id, client_id)
    today = to_london(now).date()
    if data.follow_up_on is not None and data.follow_up_on < today:
        raise ClientException(f"follow_up_on {data.follow_up_on} is in the past (today is {today})")
    await repo.close_due(row.id or 0, today, now)
    intervention = Intervention(
        hub_id=hub_id, provider_id=row.provider_id, enrolment_id=row.id or 0, client_id=client_id,
        clinician_user_id=actor.user_id, kind=data.kind, note=data.note, outcome=data.outcome,
        follow_up_on=data.follow_up_on, for_next_visit=data.for_next_visit.strip(), at=now,
        idempotency_key=idempotency_key)
    await repo.add(intervention)
    alerts = await open_of_clients(session, TenantScope.single(row.provider_id), [client_id], (AlertKind.VITALS,))
    for alert in alerts:
        acknowledge(alert, actor.user_id)
        session.add(alert)
    await session.flush()
    _audit(session, actor, "intervention.record", row, {"intervention_id": intervention.id, "kind": str(data.kind),
                                                         "acknowledged_alerts": [a.id for a in alerts]})
    return intervention, len(alerts)


async def person(session: AsyncSession, hub_id: int, client_id: int, weeks: int, now: datetime) -> PersonOut:
    """An enrolled person's programme, need, readings over ``weeks``, interventions and care visits around today."""
    row = await open_enrolment(session, hub_id, client_id)
    scope = TenantScope.single(row.provider_id)
    (entry,) = await needs_of(session, hub_id, [row], now)
    need, name = entry.need, entry.name
    readings = (await readings_since(session, scope, [client_id], now - timedelta(weeks=weeks))).get(client_id, [])
    interventions = await InterventionRepository(session, hub_id).list(
        Intervention.client_id == client_id, order_by=Intervention.at.desc(), limit=50)  # type: ignore[attr-defined]
    today = to_london(now).date()
    visits = await visits_of(session, scope, client_id, today - timedelta(days=14), today + timedelta(days=7))
    return PersonOut(client=ClientRef(client_id, name), enrolment=enrolment_out(row, name), rag=need.rag,
                     reasons=need.reasons, readings=[ReadingOut(str(sign), value, at) for sign, value, at in readings],
                     interventions=[intervention_out(i) for i in interventions], visits=list(visits))


async def interventions_of(session: AsyncSession, hub_id: int, client_id: int, limit: int,
                           offset: int) -> tuple[list[Intervention], int]:
    """An enrolled person's interventions, newest first, and how many there are."""
    await open_enrolment(session, hub_id, client_id)
    repo = InterventionRepository(session, hub_id)
    rows = await repo.list(Intervention.client_id == client_id, order_by=Intervention.at.desc(),  # type: ignore[attr-defined]
                           limit=limit, offset=offset)
    return list(rows), await repo.count(Intervention.client_id == client_id)


async def visit_requests(session: AsyncSession, scope: TenantScope, unseen_only: bool, limit: int,
                         offset: int) -> tuple[list[VisitRequestOut], int]:
    """For a care agency: the hub's requests for its clients' next visits, newest first, and how many."""
    repo = VisitRequestRepository(session, scope)
    filters: list[Any] = [Intervention.for_next_visit != ""]
    if unseen_only:
        filters.append(Intervention.agency_seen_at.is_(None))  # type: ignore[union-attr]
    rows = await repo.list(*filters, order_by=Intervention.at.desc(), limit=limit, offset=offset)  # type: ignore[attr-defined]
    names = await ClientRepository(session, scope).names_of({row.client_id for row in rows}) if rows else {}
    items = [VisitRequestOut(id=row.id or 0, client=ClientRef(row.client_id, names.get(row.client_id, "")),
                             kind=row.kind, outcome=row.outcome, for_next_visit=row.for_next_visit, at=row.at,
                             seen_at=row.agency_seen_at) for row in rows]
    return items, await repo.count(*filters)


async def mark_request_seen(session: AsyncSession, actor: Principal, scope: TenantScope, request_id: int) -> None:
    """The agency has read a request (the first reader is kept); 404 outside the caller's providers."""
    repo = VisitRequestRepository(session, scope)
    row = await repo.get(request_id)
    if row is None or not row.for_next_visit:
        raise NotFoundException(f"no visit request {request_id}")
    if await repo.mark_seen(request_id, actor.user_id, utc_now()):
        record(session, actor, "visit_request.seen", "intervention", request_id, provider_id=row.provider_id)
