"""Tenant-scoped access to carers, clients and care packages."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select

from backend.database.tenancy import TenantRepository
from backend.domain.people.models import CarePackage, Carer, Client, VisitTemplate


class CarerRepository(TenantRepository[Carer]):
    """Carers of the caller's providers."""

    model = Carer

    async def id_of_user(self, user_id: int) -> int | None:
        """The carer record of a user account, if the user is a carer in scope."""
        statement = self.scoped(select(Carer.id)).where(Carer.user_id == user_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def refs(self, provider_id: int | None = None) -> dict[int, str]:
        """Carers' references by id, optionally of one provider."""
        statement = self.scoped(select(Carer.id, Carer.ref))
        if provider_id is not None:
            statement = statement.where(Carer.provider_id == provider_id)
        return {row[0]: row[1] for row in (await self.session.execute(statement)).all()}


class ClientRepository(TenantRepository[Client]):
    """Clients of the caller's providers."""

    model = Client

    async def refs(self, provider_id: int | None = None) -> dict[int, str]:
        """Clients' references by id, optionally of one provider."""
        statement = self.scoped(select(Client.id, Client.ref))
        if provider_id is not None:
            statement = statement.where(Client.provider_id == provider_id)
        return {row[0]: row[1] for row in (await self.session.execute(statement)).all()}

    async def names(self, provider_id: int) -> dict[int, str]:
        """Clients' names by id, of one provider."""
        statement = self.scoped(select(Client.id, Client.name)).where(Client.provider_id == provider_id)
        return {row[0]: row[1] for row in (await self.session.execute(statement)).all()}

    async def names_of(self, client_ids: Collection[int]) -> dict[int, str]:
        """Names by id of these clients, those in scope."""
        statement = self.scoped(select(Client.id, Client.name)).where(Client.id.in_(client_ids))  # type: ignore[union-attr]
        return {row[0]: row[1] for row in (await self.session.execute(statement)).all()}

    async def names_of(self, client_ids: set[int]) -> dict[int, str]:
        """Clients' names by id, of these clients in scope."""
        statement = self.scoped(select(Client.id, Client.name)).where(Client.id.in_(client_ids))  # type: ignore[union-attr]
        return {row[0]: row[1] for row in (await self.session.execute(statement)).all()}

    def names_table(self) -> Any:
        """A subquery of (id, name) of the clients in scope, for another area's query to join by client id."""
        return self.scoped(select(Client.id, Client.name)).subquery()

    async def by_ids(self, client_ids: set[int]) -> dict[int, Client]:
        """Clients in scope by id."""
        statement = self.select().where(Client.id.in_(client_ids))  # type: ignore[union-attr]
        return {client.id or 0: client for client in (await self.session.execute(statement)).scalars()}


class CarePackageRepository(TenantRepository[CarePackage]):
    """Care packages of the caller's providers."""

    model = CarePackage


class VisitTemplateRepository(TenantRepository[VisitTemplate]):
    """Weekly visit templates of the caller's providers."""

    model = VisitTemplate
