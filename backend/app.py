"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from backend.area_modules import area_modules
from backend.config import Settings, load_settings
from backend.database.engine import create_engine, session_factory
from backend.dependencies import provide_db_session, provide_scope
from backend.domain.monitoring.ingest import monitoring_lifespan
from backend.problems import EXCEPTION_HANDLERS
from backend.security.tokens import build_auth
from backend.security.web import web_security

def collect_route_handlers() -> list[Any]:
    """Every area's ``routes.route_handlers``, in area order."""
    return [handler for module in area_modules("routes") for handler in module.route_handlers]


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the API for the given settings (from the environment by default)."""
    settings = settings or load_settings()
    engine = create_engine(settings.database_url)
    auth = build_auth(settings.secret_key, settings.access_token_minutes)

    sessionmaker = session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        scheduler = None
        if settings.scheduler_enabled:
            from backend.scheduling.registry import build_scheduler

            scheduler = build_scheduler(settings, sessionmaker)
            await scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.shutdown()
            await engine.dispose()

    return Litestar(
        route_handlers=collect_route_handlers(),
        on_app_init=[auth.on_app_init, web_security(settings)],
        dependencies={
            "db_session": Provide(provide_db_session),
            "tenant": Provide(provide_scope, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan, monitoring_lifespan],
        state=State({"settings": settings, "engine": engine, "sessionmaker": sessionmaker, "auth": auth}),
        openapi_config=OpenAPIConfig(
            title="Domicare API",
            version="1",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
    )
