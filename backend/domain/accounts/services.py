"""Sign-in: check a password and describe the caller for the token."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.accounts.models import User
from backend.domain.accounts.repositories import ProviderRepository, UserRepository
from backend.domain.people.repositories import CarerRepository
from backend.domain.telehealth.repositories import ClinicianRepository
from backend.security.passwords import verify_password
from backend.security.principal import Principal
from shared.enums import Role


async def authenticate(session: AsyncSession, username: str, password: str) -> Principal | None:
    """The principal for valid credentials of an active user, else ``None`` (no hint which part was wrong)."""
    user = await UserRepository(session).by_username(username)
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_active:
        return None
    return await principal_for(session, user)


async def principal_for(session: AsyncSession, user: User) -> Principal:
    """The caller a token of this user describes: role, provider or authority's providers, carer id."""
    assert user.id is not None
    carer_id = None
    if user.role == Role.CARER:
        # The scope is what this lookup establishes, so it cannot be narrower than the system's yet.
        carer_id = await CarerRepository(session, TenantScope.system()).id_of_user(user.id)
    provider_ids: tuple[int, ...] = ()
    hub_id = None
    if user.role == Role.CLINICIAN:
        clinician = await ClinicianRepository(session, None).of_user(user.id)
        hub_id = clinician.hub_id if clinician is not None else None
    if user.role == Role.COMMISSIONER and user.authority_id is not None:
        provider_ids = await ProviderRepository(session).ids_in_authority(user.authority_id)
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        provider_id=user.provider_id,
        authority_id=user.authority_id,
        carer_id=carer_id,
        provider_ids=provider_ids,
        hub_id=hub_id,
    )
