"""Staff list and answer welfare checks; the home hub shows the open ones and sends the person's "I'm OK"."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.params import Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.tenancy import TenantScope
from backend.security.guards import requires_provider_staff, requires_supervisor
from backend.domain.audit.services import record
from backend.domain.monitoring.models import Device
from backend.domain.welfare import services, urls
from backend.domain.welfare.dependencies import provide_hub
from backend.domain.welfare.models import WelfareCheck
from backend.domain.welfare.repositories import WelfareCheckRepository, WelfareCheckStepRepository
from backend.domain.welfare.schemas import AnswerIn, WelfareCheckOut, check_out
from backend.pagination import Page, PageParams, provide_page_params
from backend.security.principal import Principal
from shared.enums import Role, WelfareCheckState, WelfareResponder

IdempotencyKey = Annotated[str | None, Parameter(header="Idempotency-Key", required=False, max_length=100)]


async def _with_steps(session: AsyncSession, scope: TenantScope, checks: list[WelfareCheck]) -> list[WelfareCheckOut]:
    steps = await WelfareCheckStepRepository(session, scope).of_checks([c.id for c in checks if c.id is not None])
    return [check_out(check, steps) for check in checks]


async def _answer(session: AsyncSession, scope: TenantScope, check_id: int, given: services.Answer,
                  client_id: int | None = None) -> WelfareCheckOut:
    check = await WelfareCheckRepository(session, scope).get(check_id)
    if check is None or (client_id is not None and check.client_id != client_id):
        raise NotFoundException(f"no welfare check {check_id}")
    if check.state == WelfareCheckState.ANSWERED:
        # "I'm OK" pressed twice, or sent again after a lost reply: the first answer stands.
        return (await _with_steps(session, scope, [check]))[0]
    await services.answer(session, check, given)
    return (await _with_steps(session, scope, [check]))[0]


class WelfareCheckController(Controller):
    """The provider's welfare checks, apart from its alarms."""

    tags = ["welfare"]

    @get(urls.WELFARE_CHECKS, guards=[requires_supervisor],
         dependencies={"page": Provide(provide_page_params, sync_to_thread=False)}, summary="List welfare checks")
    async def list_checks(
        self, db_session: AsyncSession, tenant: TenantScope, page: PageParams,
        in_state: WelfareCheckState | None = QueryParameter(name="state", default=None,
                                                           description="only checks in this state"),
        client_id: int | None = QueryParameter(name="client_id", default=None, description="only this client's"),
    ) -> Page[WelfareCheckOut]:
        """Newest first, each with its timestamped steps."""
        repo = WelfareCheckRepository(db_session, tenant)
        filters: list[Any] = []
        if in_state is not None:
            filters.append(WelfareCheck.state == in_state)
        if client_id is not None:
            filters.append(WelfareCheck.client_id == client_id)
        rows = list(await repo.list(*filters, order_by=WelfareCheck.raised_at.desc(),  # type: ignore[attr-defined]
                                    limit=page.limit, offset=page.offset))
        return Page(await _with_steps(db_session, tenant, rows), await repo.count(*filters), page.limit, page.offset)

    @get(urls.WELFARE_CHECK, guards=[requires_provider_staff], summary="One welfare check and its steps")
    async def get_check(self, db_session: AsyncSession, tenant: TenantScope, check_id: int) -> WelfareCheckOut:
        """The check, 404 outside the caller's providers."""
        check = await WelfareCheckRepository(db_session, tenant).get(check_id)
        if check is None:
            raise NotFoundException(f"no welfare check {check_id}")
        return (await _with_steps(db_session, tenant, [check]))[0]

    @post(urls.WELFARE_CHECK_ANSWER, guards=[requires_provider_staff], status_code=200,
          summary="Answer a welfare check: the person is OK (a carer or the office checked)")
    async def answer(self, db_session: AsyncSession, request: Request[Principal, Any, Any], check_id: int,
                     data: AnswerIn, idempotency_key: IdempotencyKey = None) -> WelfareCheckOut:
        """Closes an open check; an answer after escalation is recorded, and the alarm stays for staff."""
        user = request.user
        responder = WelfareResponder.CARER if user.role is Role.CARER else WelfareResponder.SUPERVISOR
        out = await _answer(db_session, user.scope, check_id,
                            services.Answer(responder=responder, actor=user.username, user_id=user.user_id,
                                            note=data.note))
        record(db_session, user, "welfare_check.answer", "welfare_check", check_id,
               detail={"idempotency_key": idempotency_key, "state": out.state})
        return out


class HubWelfareCheckController(Controller):
    """The home hub (device token): shows the person their open checks and sends their "I'm OK"."""

    tags = ["welfare"]
    dependencies = {"device": Provide(provide_hub)}

    @get(urls.HUB_WELFARE_CHECKS, exclude_from_auth=True, summary="Open welfare checks for the hub's home")
    async def open_checks(self, db_session: AsyncSession, device: Device) -> list[WelfareCheckOut]:
        """What the hub should be asking the person now, oldest first."""
        scope = TenantScope.single(device.provider_id)
        rows = list(await WelfareCheckRepository(db_session, scope).list(
            WelfareCheck.client_id == device.client_id, WelfareCheck.state == WelfareCheckState.OPEN,
            order_by=WelfareCheck.raised_at))
        return await _with_steps(db_session, scope, rows)

    @post(urls.HUB_WELFARE_CHECK_ANSWER, exclude_from_auth=True, status_code=200,
          summary="The person answers \"I'm OK\" on the home hub")
    async def answer(self, db_session: AsyncSession, device: Device, check_id: int, data: AnswerIn,
                     idempotency_key: IdempotencyKey = None) -> WelfareCheckOut:
        """Closes an open check of the hub's own home; another home's check is a 404."""
        out = await _answer(db_session, TenantScope.single(device.provider_id), check_id,
                            services.Answer(responder=WelfareResponder.PERSON, actor=f"home hub {device.name}",
                                            note=data.note), client_id=device.client_id)
        record(db_session, None, "welfare_check.answer", "welfare_check", check_id, provider_id=device.provider_id,
               detail={"device_id": device.id, "idempotency_key": idempotency_key, "state": out.state})
        return out
