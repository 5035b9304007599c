"""A day's rota for many providers at once (a city's 17): one roster job per provider, solved side by side.

With a job queue each job goes to the next free ``domicare worker``, so as many providers are solved
at once as there are workers; without one they run in this process's solver pool.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.database.tenancy import TenantScope
from backend.domain.accounts.repositories import ProviderRepository
from backend.domain.rostering import jobs
from backend.domain.rostering.models import RosterJob
from backend.domain.rostering.repositories import RosterJobRepository
from backend.domain.rostering.schemas import RosterRequest

SYSTEM = TenantScope.system()  # an operator's command, for every provider


class UnknownProviders(ValueError):
    """Provider ids that name no provider."""


async def queue_provider_days(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], request: RosterRequest,
                              provider_ids: Sequence[int] = ()) -> list[int]:
    """Create and start one roster job per provider (every provider when none is named); their ids.

    Each job is an ordinary roster job: its row shows progress and stage, and a supervisor of the
    provider sees and publishes it as if they had asked for it.
    """
    async with sessionmaker() as session:
        known = await ProviderRepository(session).ids()
        wanted = tuple(provider_ids) or known
        unknown = sorted(set(wanted) - set(known))
        if unknown:
            raise UnknownProviders(f"no provider with id {', '.join(map(str, unknown))}")
        repo = RosterJobRepository(session, SYSTEM)
        created = [await repo.add(RosterJob(
            provider_id=provider_id, roster_date=request.date, days=request.days, reroster=request.reroster,
            params=request.params(), stage=jobs.WAITING,
        )) for provider_id in wanted]
        await session.commit()
    for job in created:
        await jobs.start(settings, sessionmaker, job)
    return [job.id or 0 for job in created]


async def job_rows(sessionmaker: async_sessionmaker[AsyncSession], job_ids: Sequence[int]) -> list[RosterJob]:
    """The roster jobs with these ids, in that order."""
    async with sessionmaker() as session:
        rows = await RosterJobRepository(session, SYSTEM).list(RosterJob.id.in_(job_ids))  # type: ignore[union-attr]
    by_id = {row.id: row for row in rows}
    return [by_id[job_id] for job_id in job_ids]
