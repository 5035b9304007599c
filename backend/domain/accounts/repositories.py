"""Data access for accounts: users (found by name before any scope exists), providers, device sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantRepository
from backend.domain.accounts.models import Provider, User
from backend.security.models import DeviceSession


_SESSIONS, _USERS = DeviceSession.__table__, User.__table__  # type: ignore[attr-defined]
# Every authenticated request runs this: built once on the tables, it only binds its values.
_LIVE_SESSION = select(_SESSIONS.c.id).join(_USERS, _USERS.c.id == _SESSIONS.c.user_id).where(
    _SESSIONS.c.id == bindparam("sid"), _SESSIONS.c.user_id == bindparam("user_id"), _SESSIONS.c.kind == bindparam("kind"),
    _SESSIONS.c.revoked_at.is_(None), _SESSIONS.c.expires_at > bindparam("now"), _USERS.c.is_active == true(),
)


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
        values = {"sid": sid, "user_id": user_id, "kind": kind, "now": now}
        return (await self.session.execute(_LIVE_SESSION, values)).first() is not None


class ProviderRepository:
    """Providers and the authorities commissioning them (a provider row is its own tenancy key)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ids(self) -> tuple[int, ...]:
        """Every care provider, by id (for work done for each of them, such as a city's rota solves)."""
        statement = select(Provider.id).where(Provider.hub_only.is_(False))  # type: ignore[attr-defined]
        return tuple(sorted((await self.session.execute(statement)).scalars()))

    async def ids_in_authority(self, authority_id: int) -> tuple[int, ...]:
        """The care providers an authority commissions, by id (never a hub's own tenancy)."""
        statement = select(Provider.id).where(Provider.authority_id == authority_id,
                                              Provider.hub_only.is_(False))  # type: ignore[attr-defined]
        return tuple(sorted((await self.session.execute(statement)).scalars()))

    async def add_hub_tenancy(self, authority_id: int, code: str, name: str) -> int:
        """Create a telehealth hub's own tenancy (a ``hub_only`` provider row); its id."""
        row = Provider(authority_id=authority_id, code=code, name=name, hub_only=True)
        self.session.add(row)
        await self.session.flush()
        assert row.id is not None
        return row.id

    async def authority_of(self, provider_id: int) -> int | None:
        """The authority commissioning a provider."""
        statement = select(Provider.authority_id).where(Provider.id == provider_id)
        return (await self.session.execute(statement)).scalar_one_or_none()
