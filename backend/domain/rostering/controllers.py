"""Roster endpoints: queue a solve, watch it, read the proposed rota, publish it."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Parameter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.security.guards import requires_supervisor
from backend.domain.audit.services import record
from backend.domain.people.models import Carer
from backend.domain.people.repositories import CarerRepository
from backend.domain.rostering import jobs, urls
from backend.domain.rostering.inputs import today_in_london
from backend.domain.rostering.models import RosterJob
from backend.domain.rostering.publishing import publish
from backend.domain.rostering.repositories import RosterJobRepository
from backend.domain.rostering.schemas import RosterOut, RosterRequest, RosterSummary, roster_out, roster_summary
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.principal import Principal
from shared.timekeeping import utc_now


async def _earlier_job(repo: RosterJobRepository, idempotency_key: str | None) -> RosterJob | None:
    if idempotency_key is None:
        return None
    earlier = await repo.list(RosterJob.idempotency_key == idempotency_key)  # type: ignore[arg-type]
    return earlier[0] if earlier else None


class RosterController(Controller):
    """What a provider admin's browser or a supervisor's tablet calls to build and publish rotas."""

    tags = ["rosters"]
    guards = [requires_supervisor]
    dependencies = {"page": Provide(provide_page_params, sync_to_thread=False)}

    @post(urls.ROSTERS, status_code=202, summary="Queue a roster solve (or a re-roster of today)")
    async def create(
        self, db_session: AsyncSession, request: Request[Principal, Any, State], data: RosterRequest,
        idempotency_key: str | None = Parameter(header="Idempotency-Key", default=None, max_length=100),
    ) -> Response[RosterSummary]:
        """Solves in the background; poll ``GET /api/v1/rosters/{id}`` for progress and the result."""
        principal = request.user
        provider_id = principal.provider_id
        if provider_id is None:
            raise ValidationException("rosters are solved for the caller's own provider")
        repo = RosterJobRepository(db_session, principal.scope)
        idempotency_key = idempotency_key or None  # an empty header is no key, not one shared by every caller
        earlier = await _earlier_job(repo, idempotency_key)
        if earlier is not None:
            return Response(roster_summary(earlier), status_code=202)
        await _check(db_session, principal, data)
        try:
            async with db_session.begin_nested():
                job = await repo.add(RosterJob(
                    provider_id=provider_id, roster_date=data.date, days=data.days, reroster=data.reroster,
                    params=data.params(), created_by=principal.user_id, idempotency_key=idempotency_key,
                    stage=jobs.WAITING,
                ))
        except IntegrityError:
            # A concurrent request with the same key won the race: answer with its job.
            earlier = await _earlier_job(repo, idempotency_key)
            if earlier is None:
                raise
            return Response(roster_summary(earlier), status_code=202)
        record(db_session, principal, "roster.requested", "roster", job.id, provider_id=provider_id,
               detail={"date": data.date.isoformat(), "days": data.days, "reroster": data.reroster,
                       "unavailable_carer_ids": data.unavailable_carer_ids})
        await db_session.commit()  # visible to the worker (in any process) before it tries to claim
        await jobs.start(request.app.state.settings, request.app.state.sessionmaker, job)
        return Response(roster_summary(job), status_code=202, headers={"Location": f"{urls.ROSTERS}/{job.id}"})

    @get(urls.ROSTERS, summary="List roster jobs")
    async def list_rosters(
        self, db_session: AsyncSession, request: Request[Principal, Any, State], page: PageParams,
        day: date | None = Parameter(query="date", default=None, description="only rosters of this date"),
    ) -> Page[RosterSummary]:
        """Newest first, without results."""
        repo = RosterJobRepository(db_session, request.user.scope)
        filters = [RosterJob.roster_date == day] if day else []
        rows = await repo.list(*filters, order_by=RosterJob.id.desc(), limit=page.limit, offset=page.offset)  # type: ignore[union-attr]
        for job in rows:
            await jobs.revive(request.app.state.settings, request.app.state.sessionmaker, job)
        return Page([roster_summary(j) for j in rows], await repo.count(*filters), page.limit, page.offset)

    @get(urls.ROSTER, summary="A roster job: status, progress, objective, runs and unassigned visits")
    async def get_roster(self, db_session: AsyncSession, request: Request[Principal, Any, State], roster_id: int) -> RosterOut:
        """Runs list each carer's visits in order with travel, idle and lateness; unassigned visits carry the reason."""
        job = await RosterJobRepository(db_session, request.user.scope).get(roster_id)
        if job is None:
            raise NotFoundException(f"no roster {roster_id}")
        await jobs.revive(request.app.state.settings, request.app.state.sessionmaker, job)
        return roster_out(job)

    @post(urls.ROSTER_PUBLISH, status_code=200, summary="Publish a roster as the visits' assignments")
    async def publish_roster(self, db_session: AsyncSession, request: Request[Principal, Any, State], roster_id: int) -> RosterOut:
        """Rewrites the assignments of visits not yet started; the diff against the previous rota is kept and audited."""
        return roster_out(await publish(db_session, request.user, roster_id))


async def _check(session: AsyncSession, principal: Principal, data: RosterRequest) -> None:
    """Reject requests that cannot be solved sensibly, naming the field."""
    if data.shift_end_minute <= data.shift_start_minute:
        raise ValidationException("invalid shift_end_minute: must be after shift_start_minute")
    if data.reroster and data.date < today_in_london(data.now or utc_now()):
        raise ValidationException("invalid date: that day is over and cannot be re-rostered")
    wanted = set(data.unavailable_carer_ids)
    if wanted:
        known = await CarerRepository(session, principal.scope).count(Carer.id.in_(wanted))  # type: ignore[union-attr]
        if known != len(wanted):
            raise ValidationException("invalid unavailable_carer_ids: not all are carers of your provider")
