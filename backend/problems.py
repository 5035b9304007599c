"""RFC 9457 problem-details responses for every error the API returns."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from backend.database.engine import UnstorableTextError
from backend.database.tenancy import OutOfScopeError

PROBLEM_JSON = "application/problem+json"
# JSON is UTF-8 (RFC 8259), but clients such as requests guess the charset of a
# "+json" type they do not know, and a wrong guess can swallow an escape.
PROBLEM_CONTENT_TYPE = f"{PROBLEM_JSON}; charset=utf-8"
logger = logging.getLogger("domicare.errors")


def problem(status: int, title: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    """A problem-details response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_CONTENT_TYPE)


def _validation_errors(extra: Any) -> list[dict[str, Any]]:
    if isinstance(extra, list):
        return [e for e in extra if isinstance(e, dict)]
    if isinstance(extra, dict):
        return [extra]
    return []


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Turn Litestar's HTTP exceptions into problem details, naming the fields at fault."""
    status = exc.status_code
    title = exc.__class__.__name__.replace("Exception", "") or "Error"
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc.extra)
        fields = ", ".join(str(e.get("key") or e.get("source") or "body") for e in errors) or "request"
        messages = "; ".join(str(e.get("message")) for e in errors if e.get("message"))
        detail = f"invalid {fields}: {messages}" if messages else exc.detail
        return problem(400, "Invalid request", detail, errors=errors)
    extra = exc.extra if isinstance(exc.extra, dict) else {}
    response = problem(status, extra.pop("title", title), exc.detail, **extra)
    if exc.headers:  # e.g. Retry-After on 429, WWW-Authenticate on 401
        response.headers.update(exc.headers)
    return response


def out_of_scope_handler(request: Request[Any, Any, Any], exc: OutOfScopeError) -> Response[dict[str, Any]]:
    """A write aimed at another provider's data."""
    return problem(403, "Forbidden", "that record belongs to another provider")


def unstorable_text_handler(request: Request[Any, Any, Any], exc: UnstorableTextError) -> Response[dict[str, Any]]:
    """A NUL character in text the request would store or look up."""
    return problem(400, "Invalid request", str(exc))


def _number_out_of_range(exc: BaseException | None) -> bool:
    """Whether the database driver refused a number too large for its column (an id of 40 digits, say)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OverflowError):
            return True
        module = type(exc).__module__
        text = str(exc).lower()
        if module.startswith(("asyncpg", "sqlalchemy", "sqlite3")) and ("out of range" in text or "too large" in text
                                                                       or "out of int" in text):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Unexpected failures: logged with the traceback, reported without internals."""
    if _number_out_of_range(exc):
        return problem(400, "Invalid request", "a number in the request is out of range")
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "Internal Server Error", "an unexpected error occurred; it has been logged")


EXCEPTION_HANDLERS = {
    HTTPException: http_exception_handler,
    OutOfScopeError: out_of_scope_handler,
    UnstorableTextError: unstorable_text_handler,
    Exception: internal_error_handler,
}




def document_problem_responses(app: Any) -> None:
    """Make the OpenAPI document describe error responses as what the API returns: problem details.

    Litestar documents its own ``{status_code, detail, extra}`` body for 4xx; every
    error here goes through the handlers above instead, so the document says so.
    """
    from litestar.openapi.spec import OpenAPIMediaType as MediaType
    from litestar.openapi.spec import Schema

    schema = app.openapi_schema
    from litestar.openapi.spec.enums import OpenAPIType

    problem_schema = Schema(
        type=OpenAPIType.OBJECT, description="RFC 9457 problem details", required=["type", "title", "status", "detail"],
        properties={
            "type": Schema(type=OpenAPIType.STRING), "title": Schema(type=OpenAPIType.STRING),
            "status": Schema(type=OpenAPIType.INTEGER), "detail": Schema(type=OpenAPIType.STRING),
        },
    )
    for path_item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(path_item, method, None)
            if operation is None or not operation.responses:
                continue
            for status, response in operation.responses.items():
                if str(status).startswith(("4", "5")) and hasattr(response, "content"):
                    response.content = {PROBLEM_JSON: MediaType(schema=problem_schema)}
