"""Who may touch which visit: tenancy first (via the repository), then carer assignment."""

from __future__ import annotations

from datetime import timedelta

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.visits.models import Visit
from backend.domain.visits.repositories import VisitAssignmentRepository, VisitRepository
from backend.security.principal import Principal
from shared.enums import Role
from shared.timekeeping import LONDON, utc_now


async def visit_for(session: AsyncSession, principal: Principal, visit_id: int) -> Visit:
    """The visit if the caller may see it: in their providers, and assigned to them when they are a carer.

    Another provider's visit is reported as not found, so ids of other tenants leak nothing.
    """
    visit = await VisitRepository(session, principal.scope).get(visit_id)
    if visit is None:
        raise NotFoundException(f"no visit {visit_id}")
    if principal.role == Role.CARER:
        if not await VisitAssignmentRepository(session, principal.scope).is_assigned(visit_id, principal.carer_id):
            raise PermissionDeniedException(f"visit {visit_id} is not assigned to you")
    return visit


async def check_carer_visits_client(session: AsyncSession, principal: Principal, client_id: int,
                                    offline_window_hours: int) -> None:
    """A 403 unless the caller, when a carer, visits this client: an assignment from the phone's offline
    window ago (readings may be sent late) to tomorrow. Other roles pass (their scope is checked apart)."""
    if principal.role != Role.CARER:
        return
    today = utc_now().astimezone(LONDON).date()
    since = (utc_now() - timedelta(hours=offline_window_hours)).astimezone(LONDON).date()
    if not await VisitAssignmentRepository(session, principal.scope).visits_client(
            principal.carer_id, client_id, since, today + timedelta(days=1)):
        raise PermissionDeniedException(f"client {client_id} is not on your rota: carers record readings "
                                        "only for the clients they visit")
