"""The person's record: read it within consent (audited), decide who sees what, invite by a one-time link.

Consent is read from the database at every request, so a consent withdrawn (or a person removed)
stops the very next read, whatever token they hold. The client decides, or the holder of their
lasting power of attorney when the client lacks capacity; each change is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.accounts.services import create_account
from backend.domain.audit.services import record
from backend.domain.monitoring.vitals import readings_since
from backend.domain.operations.channels import ChannelError, EmailChannel, Message
from backend.domain.people.repositories import ClientRepository
from backend.domain.record.models import RecordConsent, RecordInvitation, RecordMember
from backend.domain.record.repositories import (
    RecordConsentRepository,
    RecordInvitationRepository,
    RecordMemberRepository,
)
from backend.domain.record.schemas import (
    AcceptIn,
    ClientOut,
    ConsentsIn,
    InvitationIn,
    MemberOut,
    ReadingOut,
    RecordOut,
)
from backend.domain.visits.summaries import first_name, shareable_notes, visits_of
from backend.security.principal import Principal
from shared.enums import RecordCategory, Relationship, Role
from shared.timekeeping import to_london, utc_now
from shared.vitals import CANONICAL_UNITS

VISITS_BACK, VISITS_AHEAD = timedelta(days=14), timedelta(days=7)
READINGS_BACK = NOTES_BACK = timedelta(days=28)
INVITATION_LIFETIME = timedelta(days=7)
ACCEPT_PATH = "/me/accept"
"""Where an invitation's link points; the token follows as ``?token=``."""


def _scope(member: RecordMember) -> TenantScope:
    return TenantScope.single(member.provider_id)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def member_of(session: AsyncSession, principal: Principal) -> RecordMember:
    """The caller's membership of the record their account opens; 403 once removed."""
    member = None
    if principal.client_id is not None:
        member = await RecordMemberRepository(session, TenantScope.system()).of_user(principal.user_id)
    if member is None or member.client_id != principal.client_id:
        raise PermissionDeniedException("you no longer have access to this record")
    return member


def decides(member: RecordMember) -> bool:
    """Whether this member decides who sees the record: the client, or their attorney."""
    return member.relationship == Relationship.SELF or member.attorney


async def can_see(session: AsyncSession, member: RecordMember) -> set[RecordCategory]:
    """What a member may see now: everything for the client and their attorney, else what they were given."""
    if decides(member):
        return set(RecordCategory)
    return await RecordConsentRepository(session, _scope(member)).granted(member.id or 0)


async def read_record(session: AsyncSession, principal: Principal, now: datetime | None = None) -> RecordOut:
    """The record within the caller's consent; the read is audited with the sections shown."""
    now = now or utc_now()
    member = await member_of(session, principal)
    allowed = await can_see(session, member)
    scope, client_id = _scope(member), member.client_id
    today = to_london(now).date()
    name = (await ClientRepository(session, scope).names_of([client_id])).get(client_id, "")
    visits = (await visits_of(session, scope, client_id, today - VISITS_BACK, today + VISITS_AHEAD)
              if RecordCategory.VISITS in allowed else [])
    readings = []
    if RecordCategory.READINGS in allowed:
        found = await readings_since(session, scope, [client_id], now - READINGS_BACK)
        readings = [ReadingOut(sign=str(sign), value=value, unit=CANONICAL_UNITS[sign], at=at)
                    for sign, value, at in found.get(client_id, [])]
    notes = (await shareable_notes(session, scope, client_id, today - NOTES_BACK, today)
             if RecordCategory.NOTES in allowed else [])
    shown = sorted(allowed)
    record(session, principal, "record.read", "client", client_id, provider_id=member.provider_id,
           detail={"member_id": member.id, "sections": [str(c) for c in shown]})
    return RecordOut(client=ClientOut(client_id, name), visits=list(visits), readings=readings, notes=list(notes),
                     can_see=shown)


async def _decider(session: AsyncSession, principal: Principal) -> RecordMember:
    member = await member_of(session, principal)
    if not decides(member):
        raise PermissionDeniedException("only the person, or the holder of their lasting power of attorney, "
                                        "decides who sees this record")
    return member


async def _member_out(session: AsyncSession, member: RecordMember) -> MemberOut:
    return MemberOut(id=member.id or 0, name=member.name, relationship=member.relationship, attorney=member.attorney,
                     can_see=sorted(await can_see(session, member)), added_at=member.added_at)


async def members(session: AsyncSession, principal: Principal) -> list[MemberOut]:
    """Everyone who may open the record, with what each may see (for the client or their attorney)."""
    decider = await _decider(session, principal)
    rows = await RecordMemberRepository(session, _scope(decider)).list(
        RecordMember.client_id == decider.client_id, RecordMember.removed_at.is_(None),  # type: ignore[union-attr]
        order_by=RecordMember.id)
    return [await _member_out(session, row) for row in rows]


async def pending_invitations(session: AsyncSession, principal: Principal,
                              now: datetime | None = None) -> list[RecordInvitation]:
    """Invitations to the record nobody has accepted yet and still valid, oldest first (for the client or attorney)."""
    decider = await _decider(session, principal)
    rows = await RecordInvitationRepository(session, _scope(decider)).list(
        RecordInvitation.client_id == decider.client_id, RecordInvitation.accepted_at.is_(None),  # type: ignore[union-attr]
        RecordInvitation.expires_at > (now or utc_now()), order_by=RecordInvitation.invited_at)
    return list(rows)


async def withdraw_invitation(session: AsyncSession, principal: Principal, invitation_id: int,
                              now: datetime | None = None) -> None:
    """Withdraw an invitation nobody has accepted yet: its link stops working at once. Audited."""
    decider = await _decider(session, principal)
    now = now or utc_now()
    invitation = await RecordInvitationRepository(session, _scope(decider)).get(invitation_id)
    if invitation is None or invitation.client_id != decider.client_id or invitation.expires_at <= now:
        raise NotFoundException(f"no invitation {invitation_id} waiting on this record")
    if invitation.accepted_at is not None:
        raise ClientException("this invitation was accepted already: take the person off the record instead")
    # Expired from now: the link is refused like any other old link, and the row stays for the audit trail.
    invitation.expires_at = now
    session.add(invitation)
    record(session, principal, "record.withdraw_invitation", "record_invitation", invitation.id,
           provider_id=invitation.provider_id, detail={"client_id": invitation.client_id})


async def _other_member(session: AsyncSession, decider: RecordMember, member_id: int) -> RecordMember:
    member = await RecordMemberRepository(session, _scope(decider)).get(member_id)
    if member is None or member.client_id != decider.client_id or member.removed_at is not None:
        raise NotFoundException(f"no person {member_id} on this record")
    if member.relationship == Relationship.SELF:
        raise ClientException("the person always sees their own record")
    return member


async def _grant(session: AsyncSession, actor: Principal, member: RecordMember, category: RecordCategory,
                 granted: bool, now: datetime) -> None:
    repo = RecordConsentRepository(session, _scope(member))
    row = await repo.first(RecordConsent.member_id == member.id, RecordConsent.category == category)
    if row is None:
        await repo.add(RecordConsent(provider_id=member.provider_id, member_id=member.id or 0, category=category,
                                     granted=granted, changed_at=now, changed_by=actor.user_id))
    elif row.granted != granted:
        row.granted, row.changed_at, row.changed_by = granted, now, actor.user_id
        session.add(row)
    else:
        return
    record(session, actor, "record.consent", "record_member", member.id, provider_id=member.provider_id,
           detail={"client_id": member.client_id, "category": str(category), "granted": granted})


async def set_consents(session: AsyncSession, principal: Principal, member_id: int, change: ConsentsIn) -> MemberOut:
    """Give or withdraw one person's sight of each category named; withdrawn takes effect at their next read."""
    decider = await _decider(session, principal)
    member = await _other_member(session, decider, member_id)
    now = utc_now()
    for category in RecordCategory:
        granted = getattr(change, category.value)
        if granted is not None:
            await _grant(session, principal, member, category, granted, now)
    await session.flush()
    return await _member_out(session, member)


async def remove_member(session: AsyncSession, principal: Principal, member_id: int) -> None:
    """Take someone off the record altogether: they cannot open it again."""
    decider = await _decider(session, principal)
    member = await _other_member(session, decider, member_id)
    member.removed_at = utc_now()
    session.add(member)
    record(session, principal, "record.remove_member", "record_member", member.id, provider_id=member.provider_id,
           detail={"client_id": member.client_id})


async def invite(session: AsyncSession, principal: Principal, data: InvitationIn, base_url: str,
                 settings: Settings) -> tuple[RecordInvitation, str, bool]:
    """Invite someone by email: (the invitation, its one-time link, whether it was emailed)."""
    decider = await _decider(session, principal)
    if data.relationship == Relationship.SELF:
        raise ClientException("invite someone else; the person already has their own access")
    token = secrets.token_urlsafe(32)
    now = utc_now()
    row = RecordInvitation(provider_id=decider.provider_id, client_id=decider.client_id, email=data.email,
                           name=data.name, relationship=data.relationship, attorney=data.attorney,
                           categories=[str(c) for c in sorted(set(data.can_see))], token_hash=_hash(token),
                           invited_by=principal.user_id, invited_at=now, expires_at=now + INVITATION_LIFETIME)
    await RecordInvitationRepository(session, _scope(decider)).add(row)
    link = f"{base_url.rstrip('/')}{ACCEPT_PATH}?token={token}"
    emailed = False
    if settings.smtp_host:
        client = (await ClientRepository(session, _scope(decider)).names_of([decider.client_id])).get(decider.client_id, "")
        body = (f"{first_name(client)} has invited you to see their care record. Open this link within 7 days "
                f"to choose a username and password (it works once): {link}")
        try:
            await EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender).send(
                data.email, Message(subject="An invitation to a care record", body=body, alert={}, level=0))
            emailed = True
        except ChannelError:
            emailed = False  # the link is in the answer: the person can pass it on themselves
    record(session, principal, "record.invite", "record_invitation", row.id, provider_id=row.provider_id,
           detail={"client_id": row.client_id, "relationship": str(row.relationship), "attorney": row.attorney,
                   "can_see": row.categories, "emailed": emailed})
    return row, link, emailed


async def accept(session: AsyncSession, data: AcceptIn, now: datetime | None = None) -> RecordMember:
    """Turn an invitation into an account, once and before it expires; 404 for a link that is not (or no longer) valid."""
    now = now or utc_now()
    repo = RecordInvitationRepository(session, TenantScope.system())
    invitation = await repo.by_token_hash(_hash(data.token))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        raise NotFoundException("this invitation link is not valid: it was used already or has expired")
    user = await create_account(session, data.username, invitation.name, data.password, Role.INVITEE)
    member = RecordMember(provider_id=invitation.provider_id, client_id=invitation.client_id, user_id=user.id or 0,
                          name=invitation.name, relationship=invitation.relationship, attorney=invitation.attorney,
                          added_at=now)
    await RecordMemberRepository(session, TenantScope.single(invitation.provider_id)).add(member)
    for category in invitation.categories:
        await RecordConsentRepository(session, TenantScope.single(invitation.provider_id)).add(RecordConsent(
            provider_id=invitation.provider_id, member_id=member.id or 0, category=RecordCategory(category),
            granted=True, changed_at=now, changed_by=invitation.invited_by))
    invitation.accepted_at, invitation.accepted_user_id = now, user.id
    session.add(invitation)
    record(session, None, "record.accept", "record_invitation", invitation.id, provider_id=invitation.provider_id,
           detail={"client_id": invitation.client_id, "user_id": user.id})
    return member
