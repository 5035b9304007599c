"""The telehealth hub's web pages: the caseload worklist, a person's page, recording an intervention or a reading.

Server-rendered with Jinja and inline SVG charts, no script, for the hub's clinicians; the same
services as the hub's API, so the worklist and a person's page show what the API answers.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.telehealth import readings, services
from backend.domain.telehealth.models import Clinician, Enrolment
from backend.domain.telehealth.needs import label
from backend.domain.telehealth.repositories import ClinicianRepository
from backend.domain.telehealth.schemas import DISCHARGE_REASON_LENGTH, DischargeIn, InterventionIn
from backend.domain.telehealth.worklist import worklist_and_counts
from backend.pages.charts import UNIT_TEXT, reading_chart
from backend.pages.site import Form, PageSite, page_templates, session_pages
from backend.security.principal import Principal
from shared.enums import Condition, EnrolmentState, InterventionKind, Rag, Role
from shared.timekeeping import to_london, utc_now
from shared.vitals import CANONICAL_UNITS, VitalSign

PAGES = "/hub"
CASELOAD = "/hub/caseload"
PERSON = "/hub/people/{client_id:int}"
PERSON_INTERVENTIONS = "/hub/people/{client_id:int}/interventions"
PERSON_READINGS = "/hub/people/{client_id:int}/readings"
PERSON_STEP_DOWN = "/hub/people/{client_id:int}/step-down"
PERSON_DISCHARGE = "/hub/people/{client_id:int}/discharge"
PAGE_SIZE = 50

CONDITIONS = {Condition.COPD: "COPD", Condition.HEART_FAILURE: "Heart failure", Condition.DIABETES: "Diabetes"}
KINDS = {
    InterventionKind.PHONE_CALL: "Phone call", InterventionKind.ADVICE: "Advice given",
    InterventionKind.EDUCATION: "Education given", InterventionKind.MEDICATION_REVIEW: "Medication review",
    InterventionKind.GP_ESCALATION: "Escalated to the GP", InterventionKind.NHS_111: "Referred to NHS 111",
    InterventionKind.EMERGENCY_999: "999 called", InterventionKind.HOME_VISIT_REQUESTED: "Home visit requested",
    InterventionKind.HOSPITAL_ADMISSION: "Hospital admission recorded",
}

TEMPLATES = page_templates(Path(__file__).resolve().parent / "templates")
TEMPLATES.globals.update(conditions=CONDITIONS, kinds=KINDS, sign_label=label,
                         discharge_reason_length=DISCHARGE_REASON_LENGTH)
SITE = PageSite(prefix=PAGES, name="Telehealth hub", roles=frozenset({Role.CLINICIAN}),
                refused="These pages are for the telehealth hub's clinicians.", device="hub pages", templates=TEMPLATES,
                landing=CASELOAD, intro="The caseload of the telehealth hub, for its nurses and community matrons.")
HubSessionPages = session_pages(SITE)


def _hub(principal: Principal) -> int:
    if principal.hub_id is None:
        raise PermissionDeniedException("this account does not belong to a telehealth hub")
    return principal.hub_id


def _person_path(client_id: int, **query: Any) -> str:
    path = f"{PAGES}/people/{client_id}"
    return f"{path}?{urlencode(query)}" if query else path


def _charts(person: Any, weeks: int) -> tuple[list[dict[str, Any]], list[str]]:
    """One chart per sign measured in the weeks shown, each with the person's limits drawn; and the names of the
    programme's signs with no reading in those weeks."""
    end = utc_now()
    start = end - timedelta(weeks=weeks)
    limits, schedule = person.enrolment.thresholds, person.enrolment.schedule
    measured = {r.sign for r in person.readings}
    charts, missing = [], []
    for sign in VitalSign:
        if sign not in measured:
            if sign in schedule or sign in limits:
                missing.append(label(sign))
            continue
        unit = UNIT_TEXT.get(CANONICAL_UNITS[sign], "")
        points = [(r.value, r.at) for r in person.readings if r.sign == sign]
        title = f"{label(sign)[0].upper()}{label(sign)[1:]}" + (f" ({unit.strip()})" if unit.strip() else "")
        charts.append(reading_chart(sign, title, unit, points, start, end, limits.get(sign)))
    return charts, missing


class HubPages(Controller):
    """What a hub nurse or community matron works from in a browser."""

    include_in_schema = False
    exception_handlers = SITE.exception_handlers

    @get(CASELOAD)
    async def caseload(
        self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
        condition: str = Parameter(query="condition", default="", max_length=30),
        clinician: str = Parameter(query="clinician", default="", max_length=12),
        rag: str = Parameter(query="rag", default="", max_length=10),
        offset: int = Parameter(query="offset", default=0, ge=0, le=1_000_000),
        discharged: bool = Parameter(query="discharged", default=False),
    ) -> Response[str]:
        """Everyone enrolled, most urgent first, with the reasons; filters by condition, clinician and colour."""
        principal = await SITE.principal(request, db_session)
        hub_id = _hub(principal)
        try:
            conditions = [Condition(condition)] if condition else []
            colour = Rag(rag) if rag else None
            clinician_id = int(clinician) if clinician else None
        except ValueError as exc:
            raise ClientException(f"unknown filter: {exc}") from exc
        clinicians = await ClinicianRepository(db_session, hub_id).list(order_by=Clinician.name)
        now = utc_now()
        # One page ordered in the database, and the colours' counts before the colour filter.
        entries, total, counts = await worklist_and_counts(db_session, hub_id, now, conditions=conditions,
                                                           clinician_id=clinician_id, rag=colour, limit=PAGE_SIZE,
                                                           offset=offset)
        names = {c.id: c.name for c in clinicians}
        filters = {"condition": condition, "clinician": clinician, "rag": rag}

        def page_link(start: int) -> str:
            return f"{CASELOAD}?{urlencode({**filters, 'offset': start})}"

        return SITE.render(
            "caseload.html", entries=entries, total=total, offset=offset,
            page_size=PAGE_SIZE, counts=counts, clinicians=clinicians, clinician_names=names, filters=filters,
            page_link=page_link, now=now,
            notice="Discharged: the person has left the caseload, and the hub no longer sees their readings."
            if discharged else None, **SITE.context(state, principal))

    async def _person_page(self, state: State, db_session: AsyncSession, principal: Principal, client_id: int,
                           weeks: int, *, status_code: int = 200, just_recorded: int | None = None,
                           entered: int | None = None, stepped_down: bool = False, error: str | None = None,
                           form: dict[str, str] | None = None) -> Response[str]:
        hub_id = _hub(principal)
        person = await services.person(db_session, hub_id, client_id, weeks, utc_now())
        notice = None
        if entered:
            notice = f"{entered} reading{'s' if entered > 1 else ''} recorded and triaged."
        if stepped_down and person.enrolment.state == EnrolmentState.STEPPED_DOWN:
            notice = "Stepped down: readings are expected less often, and the amber limits are wider."
        recorded = next((i for i in person.interventions if i.id == just_recorded), None)
        if recorded is not None:
            notice = f"{KINDS[recorded.kind]} recorded." + (
                f" Follow-up on {recorded.follow_up_on:%A %-d %B}." if recorded.follow_up_on else "")
        clinicians = await ClinicianRepository(db_session, hub_id).list(order_by=Clinician.name)
        today = to_london(utc_now()).date()
        charts, unmeasured = _charts(person, weeks)
        return SITE.render(
            "person.html", status_code=status_code, person=person, charts=charts, unmeasured=unmeasured, weeks=weeks,
            clinician_names={c.id: c.name for c in clinicians}, notice=notice, error=error, form=form or {},
            today=today, idempotency_key=secrets.token_urlsafe(16), **SITE.context(state, principal))

    @get(PERSON)
    async def person(
        self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession, client_id: int,
        weeks: int = Parameter(query="weeks", default=4, ge=1, le=26),
        intervention: int | None = Parameter(query="intervention", default=None, ge=1),
        entered: int | None = Parameter(query="entered", default=None, ge=1, le=20),
        stepped_down: bool = Parameter(query="stepped_down", default=False),
    ) -> Response[str]:
        """One enrolled person: colour and reasons, readings as charts with limits, interventions, care visits.

        After a form, ``intervention`` (its id) or ``entered`` (readings stored) says what was just done: the
        notice is made here from the record, never text from the address."""
        principal = await SITE.principal(request, db_session)
        return await self._person_page(state, db_session, principal, client_id, weeks, just_recorded=intervention,
                                       entered=entered, stepped_down=stepped_down)

    @post(PERSON_INTERVENTIONS, status_code=303)
    async def record_intervention(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                                  client_id: int, data: Form) -> Response[Any]:
        """Record what was done (CSRF-checked; a form sent twice is recorded once), then back to the person."""
        principal = await SITE.principal(request, db_session)
        SITE.check_csrf(state, principal, data, "intervention form")
        fields = {name: data.get(name, "").strip() for name in ("kind", "outcome", "note", "for_next_visit")}
        try:
            intervention = msgspec.convert({**fields, "follow_up_on": data.get("follow_up_on") or None},
                                           InterventionIn, strict=False)
            row, _acknowledged = await services.record_intervention(
                db_session, principal, _hub(principal), client_id, intervention, data.get("idempotency_key") or None)
        except (msgspec.ValidationError, ClientException) as exc:
            detail = exc.detail if isinstance(exc, ClientException) else str(exc)
            return await self._person_page(state, db_session, principal, client_id, 4, status_code=400,
                                           error=f"The intervention was not recorded: {detail}", form=data)
        return Redirect(_person_path(client_id, intervention=row.id), status_code=303)

    @staticmethod
    async def _enrolment_form(request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                              client_id: int, data: Form, form: str) -> tuple[Principal, Enrolment]:
        """The clinician sending a form about a person, its CSRF token checked, and the person's open enrolment."""
        principal = await SITE.principal(request, db_session)
        SITE.check_csrf(state, principal, data, form)
        return principal, await services.open_enrolment(db_session, _hub(principal), client_id)

    @post(PERSON_READINGS, status_code=303)
    async def enter_readings(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                             client_id: int, data: Form) -> Response[Any]:
        """Readings typed as a text would be ("BP 132/84 P 71"), stored and triaged like any reading."""
        principal, enrolment = await self._enrolment_form(request, state, db_session, client_id, data, "readings form")
        text = data.get("text", "").strip()[:500]
        try:
            entered = await readings.enter_readings(db_session, enrolment, text, "hub", utc_now(),
                                                    data.get("idempotency_key") or None)
        except ClientException as exc:
            return await self._person_page(state, db_session, principal, client_id, 4, status_code=400,
                                           error=f"Nothing was recorded: {exc.detail}", form=data)
        return Redirect(_person_path(client_id, entered=entered.recorded), status_code=303)

    @post(PERSON_STEP_DOWN, status_code=303)
    async def step_down(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                        client_id: int, data: Form) -> Response[Any]:
        """Step a stable person down: fewer readings, wider amber limits; the page says why when they are not
        stable long enough."""
        principal, enrolment = await self._enrolment_form(request, state, db_session, client_id, data, "step-down form")
        try:
            await services.step_down(db_session, principal, enrolment, state.settings)
        except ClientException as exc:
            return await self._person_page(state, db_session, principal, client_id, 4, status_code=409,
                                           error=f"Not stepped down: {exc.detail}")
        return Redirect(_person_path(client_id, stepped_down="true"), status_code=303)

    @post(PERSON_DISCHARGE, status_code=303)
    async def discharge(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                        client_id: int, data: Form) -> Response[Any]:
        """Discharge the person with a reason; back to the caseload, which no longer lists them."""
        principal, enrolment = await self._enrolment_form(request, state, db_session, client_id, data, "discharge form")
        try:
            discharge = msgspec.convert({"reason": data.get("reason", "").strip()}, DischargeIn)
        except msgspec.ValidationError:
            return await self._person_page(
                state, db_session, principal, client_id, 4, status_code=400, form=data,
                error=f"Not discharged: give the reason, in up to {DISCHARGE_REASON_LENGTH} characters.")
        await services.discharge(db_session, principal, enrolment, discharge.reason)
        return Redirect(f"{CASELOAD}?discharged=true", status_code=303)
