"""Read endpoints for clients and carers (provider staff)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_supervisor
from backend.domain.people.access import client_in_scope
from backend.domain.people import urls
from backend.domain.people.models import Carer, Client
from backend.domain.people.repositories import CarerRepository, ClientRepository
from backend.domain.people.schemas import CarerOut, ClientOut
from backend.pagination import Page, PageParams, provide_page_params


def client_out(c: Client) -> ClientOut:
    """The public shape of a client row."""
    assert c.id is not None
    return ClientOut(c.id, c.provider_id, c.ref, c.name, c.address, c.postcode, c.lat, c.lon, c.geofence_radius_m, c.access_notes)


def carer_out(c: Carer) -> CarerOut:
    """The public shape of a carer row."""
    assert c.id is not None
    return CarerOut(c.id, c.provider_id, c.ref, c.name, list(c.skills), c.contracted_hours)


class PeopleController(Controller):
    """Clients and carers of the caller's provider."""

    tags = ["people"]
    guards = [requires_supervisor]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get(urls.CLIENTS, summary="List clients")
    async def list_clients(self, db_session: AsyncSession, tenant: TenantScope, page: PageParams) -> Page[ClientOut]:
        """Clients of the provider, by reference."""
        repo = ClientRepository(db_session, tenant)
        rows = await repo.list(order_by=Client.ref, limit=page.limit, offset=page.offset)
        return Page([client_out(c) for c in rows], await repo.count(), page.limit, page.offset)

    @get(urls.CLIENT, summary="One client")
    async def get_client(self, db_session: AsyncSession, tenant: TenantScope, client_id: int) -> ClientOut:
        """A client of the provider; another provider's client is reported as not found."""
        return client_out(await client_in_scope(db_session, tenant, client_id))

    @get(urls.CARERS, summary="List carers")
    async def list_carers(self, db_session: AsyncSession, tenant: TenantScope, page: PageParams) -> Page[CarerOut]:
        """Carers of the provider, by reference."""
        repo = CarerRepository(db_session, tenant)
        rows = await repo.list(order_by=Carer.ref, limit=page.limit, offset=page.offset)
        return Page([carer_out(c) for c in rows], await repo.count(), page.limit, page.offset)
