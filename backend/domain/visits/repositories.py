"""Tenant-scoped access to visits, assignments, visit events and amendments."""

from __future__ import annotations

from backend.database.tenancy import TenantRepository
from backend.domain.visits.models import Amendment, Visit, VisitAssignment, VisitEvent


class VisitRepository(TenantRepository[Visit]):
    """Visits of the caller's providers."""

    model = Visit


class VisitAssignmentRepository(TenantRepository[VisitAssignment]):
    """Carer assignments of the caller's providers."""

    model = VisitAssignment


class VisitEventRepository(TenantRepository[VisitEvent]):
    """Device-reported visit events of the caller's providers."""

    model = VisitEvent


class AmendmentRepository(TenantRepository[Amendment]):
    """Amendments of the caller's providers."""

    model = Amendment
