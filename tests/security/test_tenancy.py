"""Provider isolation is enforced by the repository layer for every provider-owned table."""

from __future__ import annotations

import asyncio

import pytest

from backend.database.engine import create_engine, session_factory
from backend.database.tenancy import OutOfScopeError, TenantRepository, TenantScope
from backend.domain.people.models import Carer
from backend.domain.people.repositories import (
    CarePackageRepository,
    CarerRepository,
    ClientRepository,
    VisitTemplateRepository,
)

REPOSITORIES: list[type[TenantRepository]] = [
    CarerRepository,
    ClientRepository,
    CarePackageRepository,
    VisitTemplateRepository,
]


def _all_repositories() -> list[type[TenantRepository]]:
    """Every tenant repository defined anywhere in the backend, so a new one cannot escape this test."""
    import importlib
    import pkgutil

    import backend

    # Importing every module registers each repository subclass, wherever it is defined.
    for module in pkgutil.walk_packages(backend.__path__, "backend."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)

    found: list[type[TenantRepository]] = []
    stack = list(TenantRepository.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("repository", _all_repositories(), ids=lambda r: r.__name__)
def test_provider_sees_only_its_own_rows(seeded_db_url: str, repository: type[TenantRepository]) -> None:
    async def run() -> None:
        engine = create_engine(seeded_db_url)
        async with session_factory(engine)() as session:
            everyone = await repository(session, TenantScope.system()).list()
            if not {row.provider_id for row in everyone} >= {1, 2}:
                pytest.skip(f"the demo seed has no {repository.model.__name__} rows of two providers to compare")
            mine = await repository(session, TenantScope.single(1)).list()
            assert mine and {row.provider_id for row in mine} == {1}
            assert await repository(session, TenantScope.single(1)).count() == len(mine)
            foreign = next(row for row in everyone if row.provider_id == 2)
            assert await repository(session, TenantScope.single(1)).get(foreign.id) is None
            assert await repository(session, TenantScope.single(2)).get(foreign.id) is not None
        await engine.dispose()

    asyncio.run(run())


def test_writing_a_row_for_another_provider_is_refused(seeded_db_url: str) -> None:
    async def run() -> None:
        engine = create_engine(seeded_db_url)
        async with session_factory(engine)() as session:
            intruder = Carer(provider_id=2, ref="X1", name="Intruder", skills=[], home_lat=53.4, home_lon=-2.9)
            with pytest.raises(OutOfScopeError):
                await CarerRepository(session, TenantScope.single(1)).add(intruder)
            assert await CarerRepository(session, TenantScope.system()).count(Carer.ref == "X1") == 0
        await engine.dispose()

    asyncio.run(run())


def test_repository_list_is_complete() -> None:
    assert set(REPOSITORIES) <= set(_all_repositories())
