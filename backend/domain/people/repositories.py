"""Tenant-scoped access to carers, clients and care packages."""

from __future__ import annotations

from backend.database.tenancy import TenantRepository
from backend.domain.people.models import CarePackage, Carer, Client, VisitTemplate


class CarerRepository(TenantRepository[Carer]):
    """Carers of the caller's providers."""

    model = Carer


class ClientRepository(TenantRepository[Client]):
    """Clients of the caller's providers."""

    model = Client


class CarePackageRepository(TenantRepository[CarePackage]):
    """Care packages of the caller's providers."""

    model = CarePackage


class VisitTemplateRepository(TenantRepository[VisitTemplate]):
    """Weekly visit templates of the caller's providers."""

    model = VisitTemplate
