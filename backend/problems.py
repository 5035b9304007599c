"""RFC 9457 problem-details responses for every error the API returns."""

from __future__ import annotations

import logging
import re
from enum import Enum
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ImproperlyConfiguredException, ValidationException
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


def _parameters(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The handler's declared parameters (name -> litestar ``FieldDefinition``), or none outside a route."""
    try:
        return dict(request.route_handler.parsed_fn_signature.parameters)
    except (AttributeError, KeyError, ImproperlyConfiguredException):
        return {}


def _allowed_values(field: Any) -> list[str]:
    """The values an enum parameter (optional or not) accepts."""
    for candidate in (field.annotation, *getattr(field, "args", ())):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return [str(member.value) for member in candidate]
    return []


_BODY_PATH = re.compile(r"at `\$((?:\.\w+|\[\d+\])*)`")


def _body_enum_values(parameters: dict[str, Any], error: dict[str, Any]) -> list[str]:
    """The values a body field accepts, from the handler's body type, when msgspec found an invalid enum value."""
    data, message = parameters.get("data"), str(error.get("message", ""))
    where = _BODY_PATH.search(message)
    path = where.group(1) if where else f".{error['key']}" if error.get("key") and error["key"] != "data" else None
    if data is None or path is None or "enum" not in message:
        return []
    try:
        (node,), components = msgspec.json.schema_components([data.annotation], ref_template="{name}")
    except (TypeError, ValueError):  # not a msgspec-describable type (a form dict, say)
        return []

    def resolve(schema: dict[str, Any] | None) -> dict[str, Any]:
        while schema is not None and ("$ref" in schema or "anyOf" in schema):
            schema = components.get(schema["$ref"]) if "$ref" in schema else next(
                (s for s in schema["anyOf"] if s.get("type") != "null"), None)
        return schema or {}

    for name, _index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        node = resolve(node)
        node = node.get("properties", {}).get(name) if name else node.get("items")
    return [str(value) for value in resolve(node).get("enum", [])]


def _explain(error: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """Name a query/header parameter as the caller typed it, and say what it (or a body field) accepts."""
    field = parameters.get(str(error.get("key")))
    if field is None or error.get("source") == "body":
        allowed = _body_enum_values(parameters, error)
        return {**error, "message": f"{error.get('message')}; allowed values: {', '.join(allowed)}"} if allowed else error
    kwarg = field.kwarg_definition
    error = dict(error)
    alias = getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or getattr(kwarg, "header", None)
    if alias:
        error["key"] = alias
    allowed = _allowed_values(field)
    if allowed:
        error["message"] = f"{error.get('message')}; allowed values: {', '.join(allowed)}"
    elif "matching regex" in str(error.get("message")) and getattr(kwarg, "description", None):
        error["message"] = f"expected {kwarg.description}"
    return error


def _form_expected(request: Request[Any, Any, Any], parameters: dict[str, Any]) -> str | None:
    """A hint when the handler reads a form and the request sent something else (JSON, say)."""
    data = parameters.get("data")
    media_type = getattr(getattr(data, "kwarg_definition", None), "media_type", None)
    if media_type not in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        return None
    sent = request.headers.get("content-type", "").split(";")[0].strip() or "no body"
    if sent == str(media_type.value):
        return None
    return f"this endpoint takes a form body ({media_type.value}), not {sent}"


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Turn Litestar's HTTP exceptions into problem details, naming the fields at fault."""
    status = exc.status_code
    title = exc.__class__.__name__.replace("Exception", "") or "Error"
    if isinstance(exc, ValidationException):
        parameters = _parameters(request)
        errors = [_explain(e, parameters) for e in _validation_errors(exc.extra)]
        fields = ", ".join(str(e.get("key") or e.get("source") or "body") for e in errors) or "request"
        messages = "; ".join(str(e.get("message")) for e in errors if e.get("message"))
        detail = f"invalid {fields}: {messages}" if messages else exc.detail
        form_hint = _form_expected(request, parameters)
        if form_hint:
            detail = f"{form_hint}; {detail}"
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
