"""The person's record as web pages: the record itself, who may see what, invitations and accepting one.

Plain words and large text for the client and the people they invite, on a phone as on a computer.
Every page reads through the record's services, so a page shows exactly what the caller's consent
allows (read from the database at each request, audited), and never a safeguarding concern or a
note a carer marked confidential.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.record import services
from backend.domain.record.schemas import AcceptIn, ConsentsIn, InvitationIn, MemberOut, RecordOut
from backend.pages.charts import UNIT_TEXT, reading_chart
from backend.pages.site import Form, PageSite, page_templates, session_pages
from backend.security.principal import Principal
from shared.enums import RecordCategory, Relationship, Role, VisitStatus
from shared.timekeeping import utc_now

PAGES = "/me"
RECORD = "/me/record"
PEOPLE = "/me/people"
INVITE = "/me/people/invite"
CONSENTS = "/me/people/{member_id:int}/consents"
REMOVE = "/me/people/{member_id:int}/remove"
WITHDRAW = "/me/people/invitations/{invitation_id:int}/withdraw"
ACCEPT = services.ACCEPT_PATH

SIGNS = {"spo2": "Oxygen level", "heart_rate": "Pulse", "systolic_bp": "Blood pressure, top number",
         "diastolic_bp": "Blood pressure, bottom number", "body_weight": "Weight", "glucose": "Blood sugar",
         "temperature": "Temperature", "respiratory_rate": "Breaths a minute"}
"""The readings in everyday words."""
CATEGORIES = {RecordCategory.VISITS: "Visits", RecordCategory.READINGS: "Readings",
              RecordCategory.NOTES: "Notes from carers"}
RELATIONSHIPS = {Relationship.FAMILY: "Family", Relationship.FRIEND: "Friend",
                 Relationship.GP_PRACTICE: "GP practice", Relationship.OTHER: "Someone else"}
VISIT_WORDS = {VisitStatus.PLANNED: "Planned", VisitStatus.IN_PROGRESS: "Carer is there now",
               VisitStatus.COMPLETED: "Done", VisitStatus.MISSED: "Missed", VisitStatus.CANCELLED: "Cancelled"}

TEMPLATES = page_templates(Path(__file__).resolve().parent / "templates")
TEMPLATES.globals.update(categories=CATEGORIES, relationships=RELATIONSHIPS, visit_words=VISIT_WORDS)
SITE = PageSite(prefix=PAGES, name="Care record", roles=frozenset({Role.CLIENT, Role.INVITEE}),
                refused="These pages are for people who use care and those they invite to see their record.",
                device="record pages", templates=TEMPLATES, large_text=True, landing=RECORD,
                intro="See your care visits, your readings and the carers' notes, and choose who else can see them. "
                      "If someone invited you, use the username and password you chose.")
RecordSessionPages = session_pages(SITE)


def _charts(record: RecordOut) -> list[dict[str, Any]]:
    """One chart per kind of reading the person took in the last four weeks (no limits: this is their own view)."""
    end = utc_now()
    start = end - services.READINGS_BACK
    charts = []
    for sign, title in SIGNS.items():
        mine = sorted((r for r in record.readings if r.sign == sign), key=lambda r: r.at)
        if mine:
            unit = UNIT_TEXT.get(mine[0].unit, "")
            chart = reading_chart(sign, title, unit, [(r.value, r.at) for r in mine], start, end,
                                  width=560, height=300, font=22)  # read on a phone
            charts.append({**chart,
                           "latest": f"{mine[-1].value:g}{unit}", "latest_at": mine[-1].at})
    return charts


def _care_plan(record: RecordOut) -> list[str]:
    """The care plan's tasks, most frequent first, from the visits in the record."""
    return [task for task, _ in Counter(task for visit in record.visits for task in visit.tasks).most_common()]


def _accept_page(state: State, *, token: str, status_code: int = 200, error: str | None = None,
                 username: str = "") -> Response[str]:
    csrf, cookie = SITE.nonce_form(state)
    return SITE.render("accept.html", status_code=status_code, csrf=csrf, cookies=[cookie], token=token, error=error,
                       username=username, principal=None)


class RecordPages(Controller):
    """The record and the client's choices about it, in a browser."""

    include_in_schema = False
    exception_handlers = SITE.exception_handlers

    @get(RECORD)
    async def record(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession) -> Response[str]:
        """Visits coming up and past (carers' first names), the care plan, readings and shared notes, within consent."""
        principal = await SITE.principal(request, db_session)
        member = await services.member_of(db_session, principal)
        record = await services.read_record(db_session, principal)
        now = utc_now()
        upcoming = [v for v in record.visits if v.planned_end >= now and v.status in (VisitStatus.PLANNED,
                                                                                      VisitStatus.IN_PROGRESS)]
        past = [v for v in reversed(record.visits) if v not in upcoming and v.planned_start < now]
        return SITE.render("record.html", record=record, member=member, decides=services.decides(member),
                           upcoming=upcoming, past=past, care_plan=_care_plan(record), charts=_charts(record),
                           first_name=record.client.name.split()[0] if record.client.name else "",
                           **SITE.context(state, principal))

    async def _people_page(self, state: State, db_session: AsyncSession, principal: Principal, *,
                           status_code: int = 200, notice: str | None = None, error: str | None = None,
                           invitation: Any = None, form: dict[str, str] | None = None,
                           members: list[MemberOut] | None = None) -> Response[str]:
        if members is None:
            members = await services.members(db_session, principal)
        people = [p for p in members if p.relationship != Relationship.SELF]
        pending = await services.pending_invitations(db_session, principal)
        return SITE.render("people.html", status_code=status_code, people=people, pending=pending, notice=notice,
                           error=error, decides=True,
                           invitation=invitation, form=form or {}, **SITE.context(state, principal))

    @get(PEOPLE)
    async def people(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                     saved: int | None = Parameter(query="saved", default=None, ge=1),
                     removed: bool = Parameter(query="removed", default=False),
                     withdrawn: bool = Parameter(query="withdrawn", default=False)) -> Response[str]:
        """For the client (or their attorney): who can see the record and what, with a form to invite someone."""
        principal = await SITE.principal(request, db_session)
        notice = ("They can no longer see your record." if removed
                  else "Invitation withdrawn: its link no longer works." if withdrawn else None)
        members = await services.members(db_session, principal)
        person = next((p for p in members if p.id == saved), None) if saved else None
        if person is not None:
            shown = [CATEGORIES[c].lower() for c in person.can_see]
            notice = (f"Saved. {person.name} can now see: {', '.join(shown)}." if shown
                      else f"Saved. {person.name} can no longer see anything in your record.")
        return await self._people_page(state, db_session, principal, notice=notice, members=members)

    @staticmethod
    async def _checked(request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                       data: Form) -> Principal:
        """The signed-in decider of a form that changes the record, its CSRF token checked."""
        principal = await SITE.principal(request, db_session)
        SITE.check_csrf(state, principal, data)
        return principal

    @post(CONSENTS, status_code=303)
    async def consents(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                       member_id: int, data: Form) -> Response[Any]:
        """What one person may see from now on: a box left unticked is withdrawn at once."""
        principal = await self._checked(request, state, db_session, data)
        await services.set_consents(db_session, principal, member_id,
                                    ConsentsIn(**{c.value: data.get(c.value) == "on" for c in RecordCategory}))
        return Redirect(f"{PEOPLE}?saved={member_id}", status_code=303)

    @post(REMOVE, status_code=303)
    async def remove(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                     member_id: int, data: Form) -> Response[Any]:
        """Take someone off the record altogether."""
        principal = await self._checked(request, state, db_session, data)
        await services.remove_member(db_session, principal, member_id)
        return Redirect(f"{PEOPLE}?removed=true", status_code=303)

    @post(WITHDRAW, status_code=303)
    async def withdraw(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                       invitation_id: int, data: Form) -> Response[Any]:
        """Withdraw an invitation nobody has accepted: its link stops working."""
        principal = await self._checked(request, state, db_session, data)
        await services.withdraw_invitation(db_session, principal, invitation_id)
        return Redirect(f"{PEOPLE}?withdrawn=true", status_code=303)

    @post(INVITE, status_code=200)
    async def invite(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                     data: Form) -> Response[str]:
        """Invite someone by email; the one-time link is shown once, to pass on by hand if no email was sent."""
        principal = await self._checked(request, state, db_session, data)
        try:
            invitation = msgspec.convert({
                "email": data.get("email", "").strip(), "name": data.get("name", "").strip(),
                "relationship": data.get("relationship", ""), "attorney": data.get("attorney") == "on",
                "can_see": [c.value for c in RecordCategory if data.get(f"can_see_{c.value}") == "on"],
            }, InvitationIn)
        except msgspec.ValidationError as exc:
            return await self._people_page(state, db_session, principal, status_code=400, form=data,
                                           error=f"Please check the invitation: {exc}")
        row, link, emailed = await services.invite(db_session, principal, invitation, str(request.base_url),
                                                   state.settings)
        return await self._people_page(state, db_session, principal, invitation={
            "name": invitation.name, "email": row.email, "link": link, "emailed": emailed,
            "expires_at": row.expires_at})

    @get(ACCEPT)
    async def accept_form(self, state: State,
                          token: str = Parameter(query="token", default="", max_length=100)) -> Response[str]:
        """The invitation link: choose a username and password."""
        return _accept_page(state, token=token)

    @post(ACCEPT, status_code=200)
    async def accept(self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession,
                     data: Form) -> Response[str]:
        """Make the invited person's account (the link works once), then ask them to sign in."""
        token, username = data.get("token", ""), data.get("username", "").strip()
        if not SITE.nonce_form_ok(request, state, data):
            return _accept_page(state, token=token, status_code=403, username=username,
                                error="The form expired; please try again.")
        if data.get("password", "") != data.get("password_again", ""):
            return _accept_page(state, token=token, status_code=400, username=username,
                                error="The two passwords are not the same.")
        try:
            accepted = msgspec.convert({"token": token, "username": username, "password": data.get("password", "")},
                                       AcceptIn)
        except msgspec.ValidationError:
            return _accept_page(state, token=token, status_code=400, username=username,
                                error="A username is 3 to 60 small letters or numbers (dots, dashes and "
                                      "underscores are fine too), and the link must be the whole link you were sent.")
        try:
            await services.accept(db_session, accepted)
        except NotFoundException:
            return _accept_page(state, token=token, status_code=404, username=username,
                                error="This link does not work any more: it was used already or is more than "
                                      f"{services.INVITATION_LIFETIME.days} days old. Ask for a new invitation.")
        except ClientException as exc:
            return _accept_page(state, token=token, status_code=400, username=username, error=str(exc.detail))
        return SITE.sign_in_page(state, target=RECORD, username=username,
                                 notice="Your account is ready. Sign in with your new username and password.")

