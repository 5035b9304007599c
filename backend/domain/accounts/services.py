"""Sign-in: check a password and describe the caller for the token."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.accounts.models import Provider, User
from backend.domain.people.models import Carer
from backend.security.passwords import verify_password
from backend.security.principal import Principal
from shared.enums import Role


async def authenticate(session: AsyncSession, username: str, password: str) -> Principal | None:
    """The principal for valid credentials of an active user, else ``None`` (no hint which part was wrong)."""
    user = (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_active:
        return None
    return await principal_for(session, user)


async def principal_for(session: AsyncSession, user: User) -> Principal:
    """The caller a token of this user describes: role, provider or authority's providers, carer id."""
    carer_id = None
    if user.role == Role.CARER:
        carer_id = (await session.execute(select(Carer.id).where(Carer.user_id == user.id))).scalar_one_or_none()
    provider_ids: tuple[int, ...] = ()
    if user.role == Role.COMMISSIONER and user.authority_id is not None:
        rows = await session.execute(select(Provider.id).where(Provider.authority_id == user.authority_id))
        provider_ids = tuple(sorted(rows.scalars()))
    assert user.id is not None
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        provider_id=user.provider_id,
        authority_id=user.authority_id,
        carer_id=carer_id,
        provider_ids=provider_ids,
    )
