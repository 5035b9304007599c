"""Sign-in for every door (the API's token route, the commissioner pages), and whose a session is.

:func:`sign_in` is the one check of a username and password: the lockout first (a locked account is
not tried at all), then the password, and every attempt recorded, whichever door it came through.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar.exceptions import ClientException, NotAuthorizedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.accounts.models import User
from backend.domain.accounts.repositories import ProviderRepository, UserRepository
from backend.domain.people.repositories import CarerRepository
from backend.domain.record.repositories import RecordMemberRepository
from backend.domain.telehealth.repositories import ClinicianRepository
from backend.security import sessions
from backend.security.models import API_SESSION
from backend.security.passwords import hash_password, password_problems, verify_password
from backend.security.principal import Principal
from backend.security.signin_limits import check_allowed, record_attempt
from shared.enums import Role


async def sign_in(session: AsyncSession, settings: Settings, username: str, password: str, ip: str,
                  now: datetime) -> Principal:
    """The caller for a right username and password, else :class:`TooManyAttempts` (429) or a 401.

    A failure is committed before the error is raised, so it counts although the request fails.
    """
    await check_allowed(session, settings, username, ip, now)
    principal = await authenticate(session, username, password)
    record_attempt(session, username, ip, principal is not None, now)
    if principal is None:
        await session.commit()
        raise NotAuthorizedException("invalid username or password")
    return principal


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
    hub_id = client_id = None
    if user.role in (Role.CLIENT, Role.INVITEE):
        member = await RecordMemberRepository(session, TenantScope.system()).of_user(user.id)
        client_id = member.client_id if member is not None else None
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
        client_id=client_id,
    )


async def api_session_is_live(session: AsyncSession, user_id: int, sid: str, now: datetime) -> bool:
    """Whether an access token's API session may still be used (the check every request makes)."""
    return await UserRepository(session).has_live_session(user_id, sid, API_SESSION, now)


async def page_principal(session: AsyncSession, cookie: str, now: datetime) -> Principal | None:
    """The caller of a live page session cookie whose account is active, else ``None``."""
    row = await sessions.page_session(session, cookie, now)
    if row is None:
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return msgspec.structs.replace(await principal_for(session, user), session_id=row.id)


async def create_account(session: AsyncSession, username: str, full_name: str, password: str, role: Role) -> User:
    """A new active account with no provider or authority; 409 when the name is taken, 400 for a weak password."""
    if await UserRepository(session).by_username(username) is not None:
        raise ClientException(f"the username {username} is taken; choose another", status_code=409)
    problems = password_problems(password, username)
    if problems:
        raise ClientException("the password is not strong enough: " + "; ".join(problems), extra={"problems": problems})
    user = User(username=username, full_name=full_name, password_hash=hash_password(password), role=role)
    session.add(user)
    await session.flush()
    return user
