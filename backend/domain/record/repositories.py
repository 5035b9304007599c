"""Tenant-scoped access to record members, their consents and invitations (tenancy: the client's provider)."""

from __future__ import annotations

from sqlalchemy import select

from backend.database.tenancy import TenantRepository
from backend.domain.record.models import RecordConsent, RecordInvitation, RecordMember
from shared.enums import RecordCategory


class RecordMemberRepository(TenantRepository[RecordMember]):
    """The people who may open clients' records."""

    model = RecordMember

    async def of_user(self, user_id: int) -> RecordMember | None:
        """The membership of a user account, if it has not been removed."""
        statement = self.select().where(RecordMember.user_id == user_id, RecordMember.removed_at.is_(None))  # type: ignore[union-attr]
        return (await self.session.execute(statement)).scalar_one_or_none()


class RecordConsentRepository(TenantRepository[RecordConsent]):
    """What each member may see."""

    model = RecordConsent

    async def granted(self, member_id: int) -> set[RecordCategory]:
        """The categories a member may see now."""
        statement = self.scoped(select(RecordConsent.category)).where(
            RecordConsent.member_id == member_id, RecordConsent.granted.is_(True))  # type: ignore[attr-defined]
        return {RecordCategory(category) for category in (await self.session.execute(statement)).scalars()}


class RecordInvitationRepository(TenantRepository[RecordInvitation]):
    """Invitations to clients' records."""

    model = RecordInvitation

    async def by_token_hash(self, token_hash: str) -> RecordInvitation | None:
        """The invitation a link's token belongs to."""
        return await self.first(RecordInvitation.token_hash == token_hash)
