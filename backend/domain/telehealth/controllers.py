"""The clinician's API: the caseload worklist, enrolments and their programme, step-down and discharge."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException
from litestar.params import Body, Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.telehealth import readings, services, urls, worklist
from backend.domain.telehealth.costs import CostReport, cost_report
from backend.domain.telehealth.dependencies import provide_hub_id
from backend.domain.telehealth.models import Clinician, Enrolment
from backend.domain.telehealth.readings import ReadingsEntered
from backend.domain.telehealth.repositories import ClinicianRepository, SmsMessageRepository
from backend.domain.telehealth.schemas import (
    CaseloadItem,
    ClientRef,
    ClinicianOut,
    DischargeIn,
    EnrolmentIn,
    EnrolmentOut,
    InterventionIn,
    InterventionOut,
    MessageOut,
    PersonOut,
    VisitRequestOut,
    ProgrammeChange,
    ReadingsText,
    enrolment_out,
    intervention_out,
)
from backend.domain.telehealth.sms import normalise_phone
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.guards import requires_clinician, requires_commissioner, requires_supervisor
from backend.security.principal import Principal
from shared.enums import Condition, Rag
from shared.timekeeping import to_london, utc_now


IdempotencyKey = Annotated[str | None, Parameter(header="Idempotency-Key", required=False, max_length=100)]


async def _out(session: AsyncSession, row: Enrolment) -> EnrolmentOut:
    return enrolment_out(row, await services.client_name(session, row))


class HubController(Controller):
    """What a hub nurse or community matron works from."""

    tags = ["telehealth hub"]
    guards = [requires_clinician]
    dependencies = {"hub_id": Provide(provide_hub_id, sync_to_thread=False)}

    @get(urls.CASELOAD, dependencies={"page": Provide(provide_page_params, sync_to_thread=False)},
         summary="The caseload: everyone enrolled, most urgent first")
    async def caseload(
        self, db_session: AsyncSession, hub_id: int, page: PageParams,
        condition: list[Condition] | None = QueryParameter(name="condition", default=None,
                                                           description="only people with these conditions"),
        clinician_id: int | None = QueryParameter(name="clinician_id", default=None,
                                                  description="only this clinician's people"),
        rag: Rag | None = QueryParameter(name="rag", default=None, description="only people of this colour"),
    ) -> Page[CaseloadItem]:
        """Red before amber before green: past red limits or urgent alerts, then amber limits, worsening trends,
        overdue readings, warning alerts and due follow-ups; within a colour the graver and more numerous reasons first."""
        entries, total = await worklist.worklist(db_session, hub_id, utc_now(), conditions=condition or (),
                                                 clinician_id=clinician_id, rag=rag, limit=page.limit,
                                                 offset=page.offset)
        items = [CaseloadItem(client=ClientRef(e.enrolment.client_id, e.name), rag=e.need.rag, reasons=e.need.reasons,
                              enrolment_id=e.enrolment.id or 0, condition=e.enrolment.condition,
                              state=e.enrolment.state, clinician_id=e.enrolment.clinician_id,
                              last_reading_at=e.need.last_reading_at)
                 for e in entries]
        return Page(items, total, page.limit, page.offset)

    @get(urls.PERSON, summary="One enrolled person: programme, need, readings, interventions, care visits")
    async def person(self, db_session: AsyncSession, hub_id: int, client_id: int,
                     weeks: int = QueryParameter(default=4, ge=1, le=26, description="weeks of readings")) -> PersonOut:
        """404 for a person not enrolled with the hub (or discharged)."""
        return await services.person(db_session, hub_id, client_id, weeks, utc_now())

    @post(urls.PERSON_INTERVENTIONS, summary="Record an intervention")
    async def record_intervention(self, db_session: AsyncSession, request: Request[Principal, Any, Any], hub_id: int,
                                  client_id: int, data: InterventionIn,
                                  idempotency_key: IdempotencyKey = None) -> InterventionOut:
        """What was done and its outcome, optionally a follow-up date (it comes onto the caseload when due) and
        something for the carers at the next visit (the agency's supervisors see it). Acknowledges the person's open
        vitals alerts and closes follow-ups already due."""
        row, acknowledged = await services.record_intervention(db_session, request.user, hub_id, client_id, data,
                                                               idempotency_key)
        return intervention_out(row, acknowledged)

    @get(urls.PERSON_INTERVENTIONS, dependencies={"page": Provide(provide_page_params, sync_to_thread=False)},
         summary="A person's interventions")
    async def interventions(self, db_session: AsyncSession, hub_id: int, client_id: int,
                            page: PageParams) -> Page[InterventionOut]:
        """Newest first."""
        rows, total = await services.interventions_of(db_session, hub_id, client_id, page.limit, page.offset)
        return Page([intervention_out(row) for row in rows], total, page.limit, page.offset)

    @post(urls.PERSON_READINGS, summary="Enter readings a person gave over the phone")
    async def enter_readings(self, db_session: AsyncSession, hub_id: int, client_id: int, data: ReadingsText,
                             idempotency_key: IdempotencyKey = None) -> ReadingsEntered:
        """In the words of a text message ("BP 132/84 P 71", "WT 82.4"); stored and triaged like any reading.
        400 with what could not be read when nothing could."""
        enrolment = await services.open_enrolment(db_session, hub_id, client_id)
        return await readings.enter_readings(db_session, enrolment, data.text, "hub", utc_now(), idempotency_key)

    @get(urls.MESSAGES, dependencies={"page": Provide(provide_page_params, sync_to_thread=False)},
         summary="The hub's text messages")
    async def messages(self, db_session: AsyncSession, hub_id: int, page: PageParams,
                       phone: str | None = QueryParameter(default=None, max_length=20, description="only this number")
                       ) -> Page[MessageOut]:
        """Readings texted in with their replies, and reminders sent; newest first."""
        rows, total = await SmsMessageRepository(db_session).of_hub(hub_id, page.limit, page.offset,
                                                                    normalise_phone(phone) if phone else None)
        return Page([MessageOut(id=r.id or 0, enrolment_id=r.enrolment_id, direction=r.direction, purpose=r.purpose,
                                phone=r.phone, body=r.body, reply=r.reply, at=r.at, sent=r.sent, error=r.error)
                     for r in rows], total, page.limit, page.offset)

    @get(urls.CLINICIANS, summary="The hub's clinicians")
    async def clinicians(self, db_session: AsyncSession, hub_id: int) -> list[ClinicianOut]:
        """Everyone who works the caseload, for the clinician filter."""
        rows = await ClinicianRepository(db_session, hub_id).list(order_by=Clinician.name)
        return [ClinicianOut(row.id or 0, row.name, row.on_call) for row in rows]

    @post(urls.ENROLMENTS, summary="Enrol a person in a programme")
    async def enrol(self, db_session: AsyncSession, state: State, request: Request[Principal, Any, Any],
                    hub_id: int, data: EnrolmentIn) -> EnrolmentOut:
        """Condition, devices, reading schedule, thresholds and education plan; what is left out takes the
        condition's defaults. 409 when the person is already enrolled."""
        row = await services.enrol(db_session, request.user, hub_id, data, state.settings)
        return await _out(db_session, row)

    @get(urls.ENROLMENT, summary="One enrolment and its programme")
    async def get_enrolment(self, db_session: AsyncSession, hub_id: int, enrolment_id: int) -> EnrolmentOut:
        """404 for another hub's."""
        return await _out(db_session, await services.enrolment(db_session, hub_id, enrolment_id))

    @patch(urls.ENROLMENT, summary="Change a person's programme")
    async def change(self, db_session: AsyncSession, request: Request[Principal, Any, Any], hub_id: int,
                     enrolment_id: int, data: ProgrammeChange) -> EnrolmentOut:
        """Only the fields given change; every change is audited with its value before and after."""
        row = await services.enrolment(db_session, hub_id, enrolment_id)
        return await _out(db_session, await services.change_programme(db_session, request.user, row, data))

    @post(urls.ENROLMENT_STEP_DOWN, status_code=200, summary="Step a stable person down")
    async def step_down(self, db_session: AsyncSession, state: State, request: Request[Principal, Any, Any],
                        hub_id: int, enrolment_id: int) -> EnrolmentOut:
        """Fewer readings and wider amber limits; 409 unless every reading of the stable period was in limits."""
        row = await services.enrolment(db_session, hub_id, enrolment_id)
        return await _out(db_session, await services.step_down(db_session, request.user, row, state.settings))

    @post(urls.ENROLMENT_DISCHARGE, status_code=200, summary="Discharge a person from the programme")
    async def discharge(self, db_session: AsyncSession, request: Request[Principal, Any, Any], hub_id: int,
                        enrolment_id: int, data: DischargeIn) -> EnrolmentOut:
        """From now on the hub no longer sees their readings or alerts."""
        row = await services.enrolment(db_session, hub_id, enrolment_id)
        return await _out(db_session, await services.discharge(db_session, request.user, row, data.reason))


class VisitRequestController(Controller):
    """The care agency's side: what the hub asks carers to do at a client's next visit."""

    tags = ["telehealth hub"]
    guards = [requires_supervisor]

    @get(urls.VISIT_REQUESTS, dependencies={"page": Provide(provide_page_params, sync_to_thread=False)},
         summary="The hub's requests for clients' next visits")
    async def list_requests(self, db_session: AsyncSession, tenant: TenantScope, page: PageParams,
                            unseen: bool = QueryParameter(default=False, description="only those nobody has seen")
                            ) -> Page[VisitRequestOut]:
        """Newest first, for the caller's clients."""
        items, total = await services.visit_requests(db_session, tenant, unseen, page.limit, page.offset)
        return Page(items, total, page.limit, page.offset)

    @post(urls.VISIT_REQUEST_SEEN, status_code=204, summary="Mark a request seen")
    async def seen(self, db_session: AsyncSession, request: Request[Principal, Any, Any], tenant: TenantScope,
                   request_id: int) -> None:
        """The first supervisor to read it is kept (audited)."""
        await services.mark_request_seen(db_session, request.user, tenant, request_id)


class CostController(Controller):
    """The commissioner's view of the hub: cost per person against outcomes."""

    tags = ["telehealth hub"]
    guards = [requires_commissioner]

    @get(urls.COSTS, dependencies={"page": Provide(provide_page_params, sync_to_thread=False)},
         summary="Cost per person against outcomes")
    async def costs(self, db_session: AsyncSession, request: Request[Principal, Any, Any], page: PageParams,
                    start: date | None = QueryParameter(name="from", default=None, description="first day (UK)"),
                    end: date | None = QueryParameter(name="to", default=None, description="last day (UK)"),
                    ) -> CostReport:
        """For the authority's hubs, every person enrolled in the period (default: the 30 days to today): days
        enrolled, cost (equipment when enrolled in the period, monthly monitoring pro rata), readings taken against
        expected, vitals alerts, escalations and recorded admissions; most costly first, with the totals."""
        last = end or to_london(utc_now()).date()
        first = start or last - timedelta(days=29)
        if first > last:
            raise ClientException(f"from ({first}) is after to ({last})")
        assert request.user.authority_id is not None
        return await cost_report(db_session, request.user.authority_id, first, last, page.limit, page.offset)


def _twiml(text: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>'


@post(urls.SMS_INBOUND, exclude_from_auth=True, status_code=200, tags=["telehealth hub"], media_type="text/xml",
      summary="Inbound text messages from the SMS gateway (Twilio-style webhook)")
async def sms_inbound(request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                      data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
                      signature: Annotated[str | None, Parameter(header="X-Twilio-Signature", required=False)] = None,
                      ) -> str:
    """A form post (``From``, ``Body``, ``MessageSid``, ...) signed in ``X-Twilio-Signature``; answers TwiML with the
    reply to the person: what was recorded and what could not be read. 403 for a missing or wrong signature."""
    url = state.settings.sms_webhook_url or str(request.url)
    return _twiml(await readings.receive_text(db_session, state.settings, url, data, signature, utc_now()))
