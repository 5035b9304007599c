"""Who may touch which visit: tenancy first (via the repository), then carer assignment."""

from __future__ import annotations

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from backend.domain.visits.models import Visit
from backend.domain.visits.repositories import VisitAssignmentRepository, VisitRepository
from backend.security.principal import Principal
from shared.enums import Role


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
