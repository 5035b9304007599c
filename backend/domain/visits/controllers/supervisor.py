"""Supervisor endpoints: the live board, reviews of unverified checks, amendments and case-note reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_provider_staff, requires_supervisor
from backend.domain.audit.services import record
from backend.domain.visits import amendments, concerns, reviews, urls
from backend.domain.visits.access import visit_for
from backend.domain.visits.models import Amendment, VisitEvent
from backend.domain.visits.repositories import AmendmentRepository, VisitEventRepository
from backend.domain.visits.rota import supervisor_board
from backend.domain.visits.schemas import (
    AmendmentOut,
    AmendmentRequest,
    Board,
    CaseNoteOut,
    ConcernOut,
    ReviewDecision,
    ReviewOut,
    ReviewRequest,
)
from backend.pagination import MAX_PAGE, Page, PageParams, provide_page_params
from backend.params import Day, london_day
from backend.security.principal import Principal
from shared.enums import AmendmentState, VisitEventKind
from shared.timekeeping import utc_now


class SupervisorController(Controller):
    """What a supervisor's tablet calls."""

    tags = ["supervisor"]
    guards = [requires_supervisor]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @get(urls.BOARD, summary="Live board of the provider's visits on a day")
    async def board(
        self, db_session: AsyncSession, request: Request[Principal, Any, State], page: PageParams, day: Day,
        alerts_limit: int = QueryParameter(default=100, ge=1, le=MAX_PAGE, description="page size of the open alerts"),
        alerts_offset: int = QueryParameter(default=0, ge=0, description="open alerts to skip"),
    ) -> Board:
        """Visits with live state (not started, late, in progress, completed, missed, unverified), counts and open alerts.

        ``limit``/``offset`` page the visits, ``alerts_limit``/``alerts_offset`` the open alerts.
        """
        now = utc_now()
        tolerance = timedelta(minutes=request.app.state.settings.late_tolerance_minutes)
        return await supervisor_board(db_session, request.user.scope, london_day(day), now, tolerance, page,
                                      PageParams(alerts_limit, alerts_offset))

    @get(urls.REVIEWS, summary="Unverified check-ins/outs awaiting review")
    async def pending_reviews(self, db_session: AsyncSession, tenant: TenantScope, page: PageParams) -> Page[ReviewOut]:
        """Oldest first."""
        items, total = await reviews.pending_reviews(db_session, tenant, page.limit, page.offset)
        return Page(items, total, page.limit, page.offset)

    @post(urls.REVIEW, status_code=200, summary="Approve or reject an unverified check")
    async def review(self, db_session: AsyncSession, request: Request[Principal, Any, State], event_id: int,
                     data: ReviewRequest) -> ReviewDecision:
        """The decision is recorded with who made it; the event itself is unchanged."""
        return await reviews.review(db_session, request.user, event_id, data.decision == "approve")

    @get(urls.AMENDMENTS, summary="List amendments")
    async def list_amendments(
        self, db_session: AsyncSession, tenant: TenantScope, page: PageParams,
        in_state: AmendmentState | None = QueryParameter(name="state", default=None, description="only amendments in this state"),
    ) -> Page[AmendmentOut]:
        """Newest first, optionally only those in one state."""
        repo = AmendmentRepository(db_session, tenant)
        filters = [Amendment.state == in_state] if in_state else []
        rows = await repo.list(*filters, order_by=Amendment.created_at.desc(), limit=page.limit, offset=page.offset)  # type: ignore[attr-defined]
        return Page([amendments.amendment_out(a) for a in rows], await repo.count(*filters), page.limit, page.offset)

    @get(urls.CONCERNS_RAISED, summary="Read a visit's concerns")
    async def read_concerns(self, db_session: AsyncSession, request: Request[Principal, Any, State], visit_id: int,
                            page: PageParams) -> Page[ConcernOut]:
        """What the carers wrote, oldest first, with the alert each raised; every read is written to the audit log."""
        items, total = await concerns.visit_concerns(db_session, request.user, visit_id, page.limit, page.offset)
        return Page(items, total, page.limit, page.offset)

    @get(urls.ALERT_CONCERN, summary="Read the concern behind a concern alert")
    async def alert_concern(self, db_session: AsyncSession, request: Request[Principal, Any, State],
                            alert_id: int) -> ConcernOut:
        """The carer's category and text; the read is written to the audit log. 404 for other kinds of alert."""
        return await concerns.alert_concern(db_session, request.user, alert_id)

    @post(urls.AMENDMENT_APPROVE, status_code=200, summary="Approve an amendment")
    async def approve(self, db_session: AsyncSession, request: Request[Principal, Any, State], amendment_id: int) -> AmendmentOut:
        """Needs a different person from the author."""
        return amendments.amendment_out(await amendments.decide(db_session, request.user, amendment_id, True))

    @post(urls.AMENDMENT_REJECT, status_code=200, summary="Reject an amendment")
    async def reject(self, db_session: AsyncSession, request: Request[Principal, Any, State], amendment_id: int) -> AmendmentOut:
        """Needs a different person from the author."""
        return amendments.amendment_out(await amendments.decide(db_session, request.user, amendment_id, False))


class VisitRecordController(Controller):
    """Endpoints open to every provider role, checked per visit."""

    tags = ["visits"]
    guards = [requires_provider_staff]

    @post(urls.VISIT_AMENDMENTS, summary="Propose an amendment to a visit")
    async def propose_amendment(self, db_session: AsyncSession, request: Request[Principal, Any, State], visit_id: int,
                                data: AmendmentRequest) -> AmendmentOut:
        """Times or status corrected with a reason code; the original is kept and a supervisor decides."""
        return amendments.amendment_out(await amendments.propose(db_session, request.user, visit_id, data))

    @get(urls.CASE_NOTES, summary="Read a visit's case notes",
         dependencies={"page": Provide(provide_page_params, sync_to_thread=False)})
    async def read_notes(self, db_session: AsyncSession, request: Request[Principal, Any, State], visit_id: int,
                         page: PageParams) -> Page[CaseNoteOut]:
        """Oldest first; every read is written to the audit log."""
        principal = request.user
        visit = await visit_for(db_session, principal, visit_id)
        repo = VisitEventRepository(db_session, principal.scope)
        filters = (VisitEvent.visit_id == visit_id, VisitEvent.kind == VisitEventKind.NOTE)
        notes = await repo.list(*filters, order_by=VisitEvent.device_time, limit=page.limit, offset=page.offset)
        record(db_session, principal, "case_notes.read", "visit", visit_id, provider_id=visit.provider_id)
        items: list[CaseNoteOut] = [{"event_id": n.id or 0, "carer_id": n.carer_id, "at": n.device_time,
                                     "text": n.payload.get("text", "")} for n in notes]
        return Page(items, await repo.count(*filters), page.limit, page.offset)
