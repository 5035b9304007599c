"""The person's record for the client and the people they invite; consent and invitations for the client."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.record import services, urls
from backend.domain.record.schemas import (
    AcceptedOut,
    AcceptIn,
    ConsentsIn,
    InvitationIn,
    InvitationOut,
    MemberOut,
    PendingInvitationOut,
    RecordOut,
)
from backend.security.guards import requires_record_member
from backend.security.principal import Principal
from shared.enums import RecordCategory


class RecordController(Controller):
    """What the client, and whoever they invited, open on their phone."""

    tags = ["person's record"]
    guards = [requires_record_member]

    @get(urls.RECORD, summary="The caller's view of the person's record")
    async def read(self, db_session: AsyncSession, request: Request[Principal, Any, Any]) -> RecordOut:
        """Visits (carers by first name, planned tasks), the person's own readings and shared case notes; a
        section the caller has no consent for is an empty list. Every read is audited. Safeguarding concerns and
        notes a carer marked confidential are never here."""
        return await services.read_record(db_session, request.user)

    @get(urls.PEOPLE, summary="Who may open the record")
    async def people(self, db_session: AsyncSession, request: Request[Principal, Any, Any]) -> list[MemberOut]:
        """For the client or their attorney: each person and what they may see."""
        return await services.members(db_session, request.user)

    @put(urls.PERSON_CONSENTS, summary="Change what one person may see")
    async def consents(self, db_session: AsyncSession, request: Request[Principal, Any, Any], member_id: int,
                       data: ConsentsIn) -> MemberOut:
        """Give or withdraw visits, readings or notes; a withdrawal applies to their very next read. Audited."""
        return await services.set_consents(db_session, request.user, member_id, data)

    @delete(urls.PERSON, status_code=204, summary="Take someone off the record")
    async def remove(self, db_session: AsyncSession, request: Request[Principal, Any, Any], member_id: int) -> None:
        """They can no longer open the record at all. Audited."""
        await services.remove_member(db_session, request.user, member_id)

    @post(urls.INVITATIONS, summary="Invite someone to the record")
    async def invite(self, db_session: AsyncSession, state: State, request: Request[Principal, Any, Any],
                     data: InvitationIn) -> InvitationOut:
        """By email with a one-time link valid for 7 days (also in the answer, to pass on by hand); ``can_see`` is
        what they may see from the start, ``attorney`` records a lasting power of attorney holder."""
        base = str(request.base_url)
        row, link, emailed = await services.invite(db_session, request.user, data, base, state.settings)
        return InvitationOut(id=row.id or 0, email=row.email, link=link, expires_at=row.expires_at, emailed=emailed)

    @get(urls.INVITATIONS, summary="Invitations not accepted yet")
    async def pending(self, db_session: AsyncSession,
                      request: Request[Principal, Any, Any]) -> list[PendingInvitationOut]:
        """For the client or their attorney: invitations whose link still works, oldest first."""
        return [PendingInvitationOut(id=row.id or 0, email=row.email, name=row.name, relationship=row.relationship,
                                     attorney=row.attorney, can_see=[RecordCategory(c) for c in row.categories],
                                     invited_at=row.invited_at, expires_at=row.expires_at)
                for row in await services.pending_invitations(db_session, request.user)]

    @delete(urls.INVITATION, status_code=204, summary="Withdraw an invitation not accepted yet")
    async def withdraw(self, db_session: AsyncSession, request: Request[Principal, Any, Any],
                       invitation_id: int) -> None:
        """Its link stops working at once; an accepted one is refused (take the person off instead). Audited."""
        await services.withdraw_invitation(db_session, request.user, invitation_id)


@post(urls.ACCEPT, exclude_from_auth=True, status_code=201, tags=["person's record"],
      summary="Accept an invitation: choose a username and password")
async def accept_invitation(db_session: AsyncSession, data: AcceptIn) -> AcceptedOut:
    """The link's token works once, for 7 days; then sign in with the OAuth2 password flow as usual."""
    member = await services.accept(db_session, data)
    return AcceptedOut(data.username, member.client_id)
