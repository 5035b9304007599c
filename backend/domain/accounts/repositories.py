"""Data access for accounts: users (found by name before any scope exists), providers, device sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantRepository
from backend.domain.accounts.models import Provider, User
from backend.security.models import DeviceSession


class DeviceSessionRepository(TenantRepository[DeviceSession]):
    """Device sessions of the caller's providers' staff."""

    model = DeviceSession


class UserRepository:
    """User accounts, which sign-in looks up by name before it knows whose scope applies."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_username(self, username: str) -> User | None:
        """The account with this exact name."""
        statement = select(User).where(User.username == username)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def has_live_session(self, user_id: int, sid: str, kind: str, now: datetime) -> bool:
        """Whether session ``sid`` of kind ``kind`` is this user's, not ended nor expired, and the account active."""
        statement = select(DeviceSession.id).join(User, User.id == DeviceSession.user_id).where(  # type: ignore[arg-type]
            DeviceSession.id == sid, DeviceSession.user_id == user_id, DeviceSession.kind == kind,
            DeviceSession.revoked_at.is_(None), DeviceSession.expires_at > now,  # type: ignore[union-attr]
            User.is_active == True,  # noqa: E712
        )
        return (await self.session.execute(statement)).first() is not None


class ProviderRepository:
    """Providers and the authorities commissioning them (a provider row is its own tenancy key)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ids(self) -> tuple[int, ...]:
        """Every provider, by id (for work done for each of them, such as a city's rota solves)."""
        statement = select(Provider.id)
        return tuple(sorted((await self.session.execute(statement)).scalars()))

    async def ids_in_authority(self, authority_id: int) -> tuple[int, ...]:
        """The providers an authority commissions, by id."""
        statement = select(Provider.id).where(Provider.authority_id == authority_id)
        return tuple(sorted((await self.session.execute(statement)).scalars()))

    async def authority_of(self, provider_id: int) -> int | None:
        """The authority commissioning a provider."""
        statement = select(Provider.authority_id).where(Provider.id == provider_id)
        return (await self.session.execute(statement)).scalar_one_or_none()
