"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from backend.config import Settings, load_settings
from backend.database.engine import create_engine, session_factory
from backend.dependencies import provide_db_session, provide_scope
from backend.domain.accounts.controllers.auth import AuthController
from backend.domain.people.controllers import PeopleController
from backend.domain.system.controllers import health, readiness
from backend.problems import EXCEPTION_HANDLERS
from backend.security.tokens import build_auth

ROUTE_HANDLERS: list = [health, readiness, AuthController, PeopleController]


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the API for the given settings (from the environment by default)."""
    settings = settings or load_settings()
    engine = create_engine(settings.database_url)
    auth = build_auth(settings.secret_key, settings.access_token_minutes)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar(
        route_handlers=ROUTE_HANDLERS,
        on_app_init=[auth.on_app_init],
        dependencies={
            "db_session": Provide(provide_db_session),
            "tenant": Provide(provide_scope, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        state=State({"settings": settings, "engine": engine, "sessionmaker": session_factory(engine), "auth": auth}),
        openapi_config=OpenAPIConfig(
            title="Domicare API",
            version="1",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
    )
