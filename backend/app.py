"""The Litestar application factory, and the one list of what the app is made of.

Every business area's routes and scheduled jobs are named below, so a reader sees the whole
app in one place and a missing piece fails at import rather than being skipped.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings, load_settings
from backend.database.engine import autocommit_session_factory, create_engine, session_factory
from backend.dependencies import provide_db_session, provide_scope
from backend.domain.accounts.routes import route_handlers as accounts_routes
from backend.domain.accounts.services import api_session_is_live
from backend.domain.alerts.routes import route_handlers as alerts_routes
from backend.domain.finance.jobs import register_figure_jobs as finance_figure_jobs
from backend.domain.finance.jobs import register_jobs as finance_jobs
from backend.domain.finance.routes import route_handlers as finance_routes
from backend.domain.monitoring.ingest import monitoring_lifespan
from backend.domain.monitoring.jobs import register_jobs as monitoring_jobs
from backend.domain.monitoring.routes import route_handlers as monitoring_routes
from backend.domain.operations.jobs import register_jobs as operations_jobs
from backend.domain.operations.routes import route_handlers as operations_routes
from backend.domain.people.routes import route_handlers as people_routes
from backend.domain.rostering.jobs import rostering_lifespan
from backend.domain.record.routes import route_handlers as record_routes
from backend.domain.rostering.routes import route_handlers as rostering_routes
from backend.domain.system.routes import route_handlers as system_routes
from backend.domain.telehealth.jobs import register_jobs as telehealth_jobs
from backend.domain.telehealth.routes import route_handlers as telehealth_routes
from backend.domain.visits.routes import route_handlers as visits_routes
from backend.domain.welfare.jobs import register_jobs as welfare_jobs
from backend.domain.welfare.routes import route_handlers as welfare_routes
from backend.jobqueue import close_job_queues
from backend.openapi import docs_assets_router, openapi_config
from backend.startup_heap import freeze_startup_heap
from backend.problems import EXCEPTION_HANDLERS
from backend.requests import DomicareRequest
from backend.scheduling.runner import JobScheduler
from backend.security.tokens import build_auth
from backend.security.web import web_security

RegisterJobs = Callable[[JobScheduler, Settings, async_sessionmaker[AsyncSession]], None]

ROUTE_HANDLERS: tuple[Any, ...] = (
    *system_routes,
    *accounts_routes,
    *people_routes,
    *visits_routes,
    *alerts_routes,
    *monitoring_routes,
    *finance_routes,
    *rostering_routes,
    *operations_routes,
    *welfare_routes,
    *telehealth_routes,
    *record_routes,
)
"""Every area's controllers and handlers."""

JOB_REGISTRATIONS: tuple[RegisterJobs, ...] = (
    monitoring_jobs, finance_jobs, finance_figure_jobs, operations_jobs, welfare_jobs, telehealth_jobs,
)
"""Every area that schedules jobs; each adds its own to the scheduler."""


def build_scheduler(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> JobScheduler:
    """A scheduler with every area's jobs registered, not yet started."""
    scheduler = JobScheduler(sessionmaker)
    for register_jobs in JOB_REGISTRATIONS:
        register_jobs(scheduler, settings, sessionmaker)
    return scheduler


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the API for the given settings (from the environment by default)."""
    settings = settings or load_settings()
    engine = create_engine(settings.database_url)
    auth = build_auth(settings.secret_key, settings.access_token_minutes, api_session_is_live)

    sessionmaker = session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        scheduler = None
        if settings.scheduler:
            scheduler = build_scheduler(settings, sessionmaker)
            await scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.shutdown()
            await close_job_queues()
            await engine.dispose()

    return Litestar(
        route_handlers=[*ROUTE_HANDLERS, docs_assets_router()],
        on_startup=[freeze_startup_heap],  # last: after everything start-up built
        on_app_init=[auth.on_app_init, web_security(settings)],
        dependencies={
            "db_session": Provide(provide_db_session),
            "tenant": Provide(provide_scope, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_class=DomicareRequest,
        lifespan=[lifespan, monitoring_lifespan, rostering_lifespan],
        state=State({"settings": settings, "engine": engine, "sessionmaker": sessionmaker,
                     "autocommit_sessionmaker": autocommit_session_factory(engine), "auth": auth}),
        openapi_config=openapi_config(),
    )
