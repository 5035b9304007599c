"""Carer endpoints: today's rota, check-in/out, notes, concerns and the offline sync batch."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.di import Provide
from litestar.params import HeaderParameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.engine import UnstorableTextError
from backend.security.guards import requires_carer
from backend.domain.visits import urls
from backend.domain.visits.rota import carer_rota
from backend.domain.visits.carer_actions import BODY_TYPES, ActionOutcome, VisitActionService
from backend.domain.visits.schemas import (
    ActionResult,
    CheckRequest,
    ConcernRequest,
    NoteRequest,
    ProofRequest,
    RotaVisit,
    SyncRequest,
    SyncResponse,
    SyncResult,
)
from backend.pagination import Page, PageParams, provide_page_params
from backend.params import Day, london_day
from backend.security.principal import Principal
from shared.enums import VisitEventKind

IdempotencyKey = Annotated[
    str, HeaderParameter(name="Idempotency-Key", min_length=8, max_length=100, description="unique per action; replays return the first result")
]


def _respond(outcome: ActionOutcome) -> Response[ActionResult]:
    return Response(outcome.result, status_code=201 if outcome.created else 200)


def _body(kind: VisitEventKind, data: msgspec.Struct) -> msgspec.Struct:
    """The action body of a posted request: everything but its device time."""
    return BODY_TYPES[kind](**{f: getattr(data, f) for f in data.__struct_fields__ if f != "at"})


class CarerController(Controller):
    """What a carer's phone calls."""

    tags = ["carer"]
    guards = [requires_carer]

    def _service(self, db_session: AsyncSession, request: Request[Principal, Any, State]) -> VisitActionService:
        return VisitActionService(db_session, request.user, request.app.state.settings,
                                  request.app.state.autocommit_sessionmaker)

    @get(urls.MY_VISITS, summary="The carer's visits on a day",
         dependencies={"page": Provide(provide_page_params, sync_to_thread=False)})
    async def my_visits(self, db_session: AsyncSession, request: Request[Principal, Any, State], day: Day,
                        page: PageParams) -> Page[RotaVisit]:
        """Visits in planned order with client, tasks, medication prompts, this carer's check times and what the
        visit's other carers recorded (their checks, outcomes and case notes)."""
        rota = await carer_rota(db_session, request.user.scope, request.user.carer_id or 0, london_day(day))
        return Page(rota[page.offset : page.offset + page.limit], len(rota), page.limit, page.offset)

    async def _act(self, kind: VisitEventKind, db_session: AsyncSession, request: Request[Principal, Any, State],
                   visit_id: int, data: CheckRequest | ProofRequest | NoteRequest | ConcernRequest, key: str) -> Response[ActionResult]:
        service = self._service(db_session, request)
        return _respond(await service.apply(kind, visit_id, data.at, _body(kind, data), key))

    @post(urls.CHECK_IN, summary="Check in to a visit")
    async def check_in(self, db_session: AsyncSession, request: Request[Principal, Any, State], visit_id: int,
                       data: CheckRequest, idempotency_key: IdempotencyKey) -> Response[ActionResult]:
        """Register arrival, verified by GPS geofence, home tag, or a manual reason for review."""
        return await self._act(VisitEventKind.CHECK_IN, db_session, request, visit_id, data, idempotency_key)

    @post(urls.CHECK_OUT, summary="Check out of a visit")
    async def check_out(self, db_session: AsyncSession, request: Request[Principal, Any, State], visit_id: int,
                        data: CheckRequest, idempotency_key: IdempotencyKey) -> Response[ActionResult]:
        """Register departure with task and medication outcomes (every medication due needs one)."""
        return await self._act(VisitEventKind.CHECK_OUT, db_session, request, visit_id, data, idempotency_key)

    @post(urls.PROOF, summary="Prove presence after an unverified check-in")
    async def proof(self, db_session: AsyncSession, request: Request[Principal, Any, State], visit_id: int,
                    data: ProofRequest, idempotency_key: IdempotencyKey) -> Response[ActionResult]:
        """A better GPS fix or a home tag scan, later in the visit: when it verifies, the carer's unverified
        check-in becomes verified (``check_in_verified``); the proof is kept with its own verdict either way."""
        return await self._act(VisitEventKind.PROOF, db_session, request, visit_id, data, idempotency_key)

    @post(urls.NOTES, summary="Write a case note")
    async def note(self, db_session: AsyncSession, request: Request[Principal, Any, State], visit_id: int,
                   data: NoteRequest, idempotency_key: IdempotencyKey) -> Response[ActionResult]:
        """A case note for the visit's record."""
        return await self._act(VisitEventKind.NOTE, db_session, request, visit_id, data, idempotency_key)

    @post(urls.CONCERNS, summary="Raise a concern")
    async def concern(self, db_session: AsyncSession, request: Request[Principal, Any, State], visit_id: int,
                      data: ConcernRequest, idempotency_key: IdempotencyKey) -> Response[ActionResult]:
        """A concern that opens an alert for the supervisor."""
        return await self._act(VisitEventKind.CONCERN, db_session, request, visit_id, data, idempotency_key)

    @post(urls.SYNC, status_code=200, summary="Apply a batch of queued offline actions")
    async def sync(self, db_session: AsyncSession, request: Request[Principal, Any, State], data: SyncRequest) -> SyncResponse:
        """Each action applied in order, once; a rejected action never blocks the others."""
        service = self._service(db_session, request)
        results = []
        for action in data.actions:
            try:
                body = msgspec.convert(action.payload, BODY_TYPES[action.kind])
                outcome = await service.apply(action.kind, action.visit_id, action.at, body, action.idempotency_key)
            except msgspec.ValidationError as exc:
                results.append(_rejected(action.idempotency_key, 400, "Invalid request", f"invalid payload: {exc}"))
            except HTTPException as exc:
                results.append(_rejected(action.idempotency_key, exc.status_code, exc.__class__.__name__, exc.detail))
            except UnstorableTextError as exc:
                results.append(_rejected(action.idempotency_key, 400, "Invalid request", str(exc)))
            else:
                status = "applied" if outcome.created else "duplicate"
                results.append(SyncResult(action.idempotency_key, status, outcome.result))
        return SyncResponse(results)


def _rejected(key: str, status: int, title: str, detail: str) -> SyncResult:
    problem = {"type": "about:blank", "title": title.replace("Exception", ""), "status": status, "detail": detail}
    return SyncResult(key, "rejected", None, problem)
