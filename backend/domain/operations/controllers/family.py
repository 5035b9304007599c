"""Supervisors record a client's family contacts and whether each consented to hear about missed visits."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, ValidationException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.security.guards import requires_supervisor
from backend.domain.audit.services import record
from backend.domain.operations import urls
from backend.domain.operations.channels import check_webhook_address
from backend.domain.operations.family import redact_contact_address
from backend.domain.operations.models import FamilyContact
from backend.domain.operations.repositories import FamilyContactRepository
from backend.domain.operations.schemas import FamilyContactOut, FamilyContactRequest
from backend.domain.people.access import client_in_scope
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.principal import Principal


def _contact(c: FamilyContact) -> FamilyContactOut:
    return {"id": c.id or 0, "client_id": c.client_id, "name": c.name, "channel": c.channel, "address": c.address,
            "notify_missed_visits": c.notify_missed_visits, "created_at": c.created_at}


def _check_address(data: FamilyContactRequest) -> None:
    # The schema admits either form of address; which one is right depends on the channel.
    is_url = data.address.startswith("https://")
    if data.channel == "email" and is_url or data.channel == "webhook" and not is_url:
        wanted = "an email address" if data.channel == "email" else "an https:// URL"
        message = f"a {data.channel} contact needs {wanted}"
        raise ValidationException(f"invalid address: {message}", extra=[{"key": "address", "message": message}])


class FamilyContactController(Controller):
    """A client's family contacts: listed, added and removed by the provider's supervisors and admins."""

    tags = ["operations"]
    guards = [requires_supervisor]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get(urls.CLIENT_FAMILY_CONTACTS, summary="List a client's family contacts")
    async def list_family_contacts(
        self, db_session: AsyncSession, request: Request[Principal, Any, Any], client_id: int, page: PageParams,
    ) -> Page[FamilyContactOut]:
        """Oldest first."""
        await client_in_scope(db_session, request.user.scope, client_id)
        repo = FamilyContactRepository(db_session, request.user.scope)
        where = FamilyContact.client_id == client_id
        rows = await repo.list(where, order_by=FamilyContact.id, limit=page.limit, offset=page.offset)
        return Page([_contact(c) for c in rows], await repo.count(where), page.limit, page.offset)

    @post(urls.CLIENT_FAMILY_CONTACTS, summary="Add a family contact to a client")
    async def add_family_contact(
        self, db_session: AsyncSession, request: Request[Principal, Any, Any], state: State, client_id: int,
        data: FamilyContactRequest,
    ) -> FamilyContactOut:
        """An email address or an https webhook on the public internet; ``notify_missed_visits`` records the
        family's consent (off unless given)."""
        _check_address(data)
        if data.channel == "webhook":
            await check_webhook_address(data.address, state.settings)
        client = await client_in_scope(db_session, request.user.scope, client_id)
        contact = await FamilyContactRepository(db_session, request.user.scope).add(FamilyContact(
            provider_id=client.provider_id, client_id=client_id, name=data.name.strip(),
            channel=data.channel, address=data.address, notify_missed_visits=data.notify_missed_visits,
        ))
        # The audit row notes the consent, not the address: the log outlives the contact.
        record(db_session, request.user, "family_contact.add", "family_contact", contact.id,
               provider_id=client.provider_id,
               detail={"client_id": client_id, "channel": data.channel, "notify_missed_visits": data.notify_missed_visits})
        return _contact(contact)

    @delete(urls.FAMILY_CONTACT, status_code=204, summary="Remove a family contact")
    async def remove_family_contact(
        self, db_session: AsyncSession, request: Request[Principal, Any, Any], family_contact_id: int,
    ) -> None:
        """Deleted outright, not deactivated: nobody should keep a former contact on file.

        Notifications already sent keep their record, with the contact's address redacted (the log must
        not keep what the contact itself no longer does); one still waiting to be sent to this contact is
        cancelled at delivery.
        """
        contact = await FamilyContactRepository(db_session, request.user.scope).get(family_contact_id)
        if contact is None:
            raise NotFoundException(f"no family contact {family_contact_id}")
        await redact_contact_address(db_session, request.user.scope, contact)
        await db_session.delete(contact)
        record(db_session, request.user, "family_contact.remove", "family_contact", family_contact_id,
               provider_id=contact.provider_id, detail={"client_id": contact.client_id})
