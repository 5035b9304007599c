"""Device payloads that were refused, with the reason (provider admins; the platform operator for nobody's)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_dead_letter_reader
from backend.security.principal import Principal
from shared.enums import Role
from backend.domain.monitoring import urls
from backend.domain.monitoring.models import DeadLetter
from backend.domain.monitoring.repositories import DeadLetterRepository, UnattributedDeadLetterRepository
from backend.domain.monitoring.schemas import DeadLetterOut
from backend.pagination import Page, PageParams, provide_page_params


def dead_letter_out(d: DeadLetter) -> DeadLetterOut:
    """The public shape of a dead letter."""
    assert d.id is not None
    return DeadLetterOut(d.id, d.provider_id, d.source, d.reason, d.payload, d.received_at)


class DeadLetterController(Controller):
    """What devices sent that could not be used: a provider's, or (for the platform operator) nobody's."""

    tags = ["monitoring"]
    guards = [requires_dead_letter_reader]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get(urls.DEAD_LETTERS, summary="Refused device payloads, newest first")
    async def list_dead_letters(self, request: Request[Principal, Any, Any], db_session: AsyncSession,
                                tenant: TenantScope, page: PageParams,
                                source: str | None = None) -> Page[DeadLetterOut]:
        """Dead letters, optionally from one source (zigbee2mqtt, webhook, vitals).

        A provider admin sees those of the provider's devices, and of strangers on its gateways
        (a base topic per gateway names whose they are); the platform operator sees those of
        devices registered to no home, which no provider owns, and never a provider's.
        """
        filters: list[Any] = [] if source is None else [DeadLetter.source == source]
        repo: DeadLetterRepository | UnattributedDeadLetterRepository = (
            UnattributedDeadLetterRepository(db_session, tenant) if request.user.role is Role.OPERATOR
            else DeadLetterRepository(db_session, tenant))
        statement = repo.select().where(*filters).order_by(DeadLetter.received_at.desc(), DeadLetter.id.desc())  # type: ignore[attr-defined]
        rows = (await db_session.execute(statement.limit(page.limit).offset(page.offset))).scalars().all()
        return Page([dead_letter_out(d) for d in rows], await repo.count(*filters), page.limit, page.offset)
