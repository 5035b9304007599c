"""Finding a client the caller may see: another provider's client is simply not found."""

from __future__ import annotations

from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.domain.people.models import Client
from backend.domain.people.repositories import ClientRepository


async def client_in_scope(session: AsyncSession, scope: TenantScope, client_id: int) -> Client:
    """The client, or a 404 when it does not exist or belongs to a provider outside ``scope``."""
    client = await ClientRepository(session, scope).get(client_id)
    if client is None:
        raise NotFoundException(f"no client {client_id}")
    return client
