"""Provider admins say who is escalated to; supervisors see what was sent."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_provider_admin, requires_supervisor
from backend.domain.audit.services import record
from backend.domain.operations import urls
from backend.domain.operations.channels import check_webhook_address
from backend.domain.operations.models import Notification, OnCallContact
from backend.domain.operations.repositories import NotificationRepository, OnCallContactRepository
from backend.domain.operations.schemas import ContactRequest, NotificationOut, OnCallContactOut
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.principal import Principal


def _contact(c: OnCallContact) -> OnCallContactOut:
    return {"id": c.id or 0, "level": c.level, "channel": c.channel, "address": c.address, "active": c.active}


class ContactController(Controller):
    """Escalation contacts: level 1 the supervisor, level 2 the on-call manager."""

    tags = ["operations"]
    guards = [requires_provider_admin]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get(urls.CONTACTS, summary="List escalation contacts")
    async def list_contacts(self, db_session: AsyncSession, tenant: TenantScope, page: PageParams) -> Page[OnCallContactOut]:
        """By level."""
        repo = OnCallContactRepository(db_session, tenant)
        rows = await repo.list(order_by=OnCallContact.level, limit=page.limit, offset=page.offset)
        return Page([_contact(c) for c in rows], await repo.count(), page.limit, page.offset)

    @post(urls.CONTACTS, summary="Add an escalation contact")
    async def add_contact(self, db_session: AsyncSession, request: Request[Principal, Any, Any], state: State,
                          data: ContactRequest) -> OnCallContactOut:
        """An email address, or a webhook: https on the public internet (never an address inside the network)."""
        if data.channel == "email" and "@" not in data.address or data.channel == "webhook" and "://" not in data.address:
            raise ClientException(f"{data.address!r} is not a valid {data.channel} address")
        if data.channel == "webhook":
            await check_webhook_address(data.address, state.settings)
        provider_id = request.user.provider_id
        if provider_id is None:
            raise ClientException("only provider staff have escalation contacts")
        contact = await OnCallContactRepository(db_session, request.user.scope).add(
            OnCallContact(provider_id=provider_id, level=data.level, channel=data.channel, address=data.address))
        record(db_session, request.user, "oncall_contact.add", "oncall_contact", contact.id)
        return _contact(contact)

    @delete(urls.CONTACT, status_code=204, summary="Remove an escalation contact")
    async def remove_contact(self, db_session: AsyncSession, request: Request[Principal, Any, Any], contact_id: int) -> None:
        """It is kept, marked inactive, so past notifications still name it."""
        contact = await OnCallContactRepository(db_session, request.user.scope).get(contact_id)
        if contact is None:
            raise NotFoundException(f"no contact {contact_id}")
        contact.active = False
        record(db_session, request.user, "oncall_contact.remove", "oncall_contact", contact_id)


class NotificationController(Controller):
    """What was sent about the provider's alerts."""

    tags = ["operations"]
    guards = [requires_supervisor]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get(urls.NOTIFICATIONS, summary="List notifications")
    async def list_notifications(
        self, db_session: AsyncSession, tenant: TenantScope, page: PageParams,
        alert_id: int | None = Parameter(query="alert_id", default=None, description="only about this alert"),
    ) -> Page[NotificationOut]:
        """Newest first."""
        repo = NotificationRepository(db_session, tenant)
        filters = [Notification.alert_id == alert_id] if alert_id is not None else []
        rows = await repo.list(*filters, order_by=Notification.id.desc(), limit=page.limit, offset=page.offset)  # type: ignore[union-attr]
        items: list[NotificationOut] = [{"id": n.id or 0, "alert_id": n.alert_id, "level": n.level, "audience": n.audience,
                  "family_contact_id": n.family_contact_id, "channel": n.channel, "address": n.address,
                  "state": n.state, "attempts": n.attempts, "error": n.error, "created_at": n.created_at,
                  "sent_at": n.sent_at} for n in rows]
        return Page(items, await repo.count(*filters), page.limit, page.offset)
