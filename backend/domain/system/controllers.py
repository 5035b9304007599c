"""Health endpoints for load balancers and operators."""

from __future__ import annotations

from typing import TypedDict

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

from backend.problems import problem


@get("/health", exclude_from_auth=True, tags=["system"], summary="Liveness")
async def health() -> Liveness:
    """The process is up."""
    return {"status": "ok"}


class Liveness(TypedDict):
    """The process answers."""

    status: str


class Readiness(TypedDict):
    """The database answers."""

    status: str
    database: str


@get("/health/ready", exclude_from_auth=True, tags=["system"], summary="Readiness (database reachable)")
async def readiness(state: State) -> Response[Readiness]:
    """Whether the database answers; 503 with the cause when it does not."""
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"; say which
        return problem(503, "Service Unavailable", f"database unreachable: {exc.__class__.__name__}: {exc}")
    return Response({"status": "ready", "database": state.engine.dialect.name})
