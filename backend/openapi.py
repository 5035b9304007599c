"""The API's description of itself: the OpenAPI 3.1 document and the docs page at ``/schema``.

Swagger UI's assets come from the ``swagger-ui-py`` package and are served by the API, so the
docs page works with no internet. Routes that read their body themselves (FHIR readings,
hub webhooks) describe it with ``raw_body``; errors are documented as the problem details every
handler returns; generic pages get readable component names (``ClientOutPage``).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from litestar import Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Operation, RequestBody, Schema
from litestar.openapi.spec import OpenAPIMediaType as MediaType
from litestar.openapi.spec.enums import OpenAPIType
from litestar.static_files import create_static_files_router

from backend.problems import PROBLEM_JSON

DOCS_PATH = "/schema"
ASSETS_PATH = f"{DOCS_PATH}/assets"
_PAGE_KEY = re.compile(r"^Page_(?:[\w.]+\.)?(\w+?)_$")


def _swagger_assets() -> Path:
    spec = importlib.util.find_spec("swagger_ui")  # located, not imported: only its static files are used
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed (it is a dependency in pyproject.toml)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def openapi_config() -> OpenAPIConfig:
    """``/schema`` (Swagger UI from local assets) and ``/schema/openapi.json``."""
    return OpenAPIConfig(
        title="Domicare API",
        version="1",
        description=("Domiciliary care: carers' visits, supervisors' board, rostering, home sensors and vital "
                     "signs, finance exports. Errors are RFC 9457 problem details; lists are pages of "
                     "`items`, `total`, `limit`, `offset`."),
        path=DOCS_PATH,
        render_plugins=[TidySwaggerRenderPlugin(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        ), TidyJsonRenderPlugin()],
    )


def docs_assets_router() -> Router:
    """Serves Swagger UI's JavaScript and CSS under ``/schema/assets``."""
    return create_static_files_router(path=ASSETS_PATH, directories=[_swagger_assets()], name="docs-assets",
                                      include_in_schema=False)


def raw_body(description: str, *schemas: dict[str, Any]) -> type[Operation]:
    """An ``operation_class`` documenting a JSON body the handler reads itself (one of ``schemas``)."""
    schema = Schema(one_of=[_schema(s) for s in schemas]) if len(schemas) > 1 else _schema(schemas[0])
    body = RequestBody(content={"application/json": MediaType(schema=schema)}, description=description, required=True)

    @dataclass
    class RawBodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = body

    return RawBodyOperation


def file_response(description: str, contents: dict[str, dict[str, Any]]) -> type[Operation]:
    """An ``operation_class`` documenting a 200 answer that is a file in one of several media types."""
    content = {media: MediaType(schema=_schema(schema)) for media, schema in contents.items()}

    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            success = (self.responses or {}).get("200")
            if success is not None and hasattr(success, "content"):
                success.content = content
                success.description = description

    return FileOperation


def json_schema(*types: Any) -> dict[str, Any]:
    """An inline JSON schema (no ``$ref``s) for msgspec types, as ``raw_body`` takes it."""
    schemas, components = msgspec.json.schema_components(types, ref_template="#/$defs/{name}")
    return {"oneOf": list(schemas), "$defs": components} if len(schemas) > 1 else {**schemas[0], "$defs": components}


def _schema(data: dict[str, Any]) -> Schema:
    """A litestar ``Schema`` from a plain JSON-schema dict, with local ``$defs`` inlined."""
    definitions = data.get("$defs", {})

    def convert(node: Any) -> Any:
        if isinstance(node, list | tuple):
            return [convert(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node and node["$ref"].startswith("#/$defs/"):
            return convert(definitions[node["$ref"].rsplit("/", 1)[1]])
        fields: dict[str, Any] = {}
        for key, value in node.items():
            name = _SCHEMA_FIELDS.get(key, key)
            if name not in _KNOWN_FIELDS:
                continue
            if key == "properties":
                fields[name] = {prop: convert(sub) for prop, sub in value.items()}
            elif key == "type":
                kinds = value if isinstance(value, list) else [value]
                fields[name] = [OpenAPIType(k) for k in kinds] if len(kinds) > 1 else OpenAPIType(kinds[0])
            else:
                fields[name] = convert(value)
        return Schema(**fields)

    return convert(data)


_SCHEMA_FIELDS = {
    "oneOf": "one_of", "anyOf": "any_of", "allOf": "all_of", "additionalProperties": "additional_properties",
    "minLength": "min_length", "maxLength": "max_length", "minItems": "min_items", "maxItems": "max_items",
    "exclusiveMinimum": "exclusive_minimum", "exclusiveMaximum": "exclusive_maximum",
}
_KNOWN_FIELDS = frozenset(Schema.__dataclass_fields__)


class _Tidied:
    """A render plugin that serves the document tidied: errors documented as the problem details every handler
    returns, and generic pages under readable names (``ClientOutPage``).

    Tidying the served form rather than building the document at start-up keeps Litestar's lazy build: an app
    that is never asked for its document (a test's, a worker's) does not pay its 0.2 s of CPU.
    """

    def render(self, request: Any, openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, tidy(openapi_schema))  # type: ignore[misc,no-any-return]


class TidySwaggerRenderPlugin(_Tidied, SwaggerRenderPlugin):
    """Swagger UI at ``/schema``, over the tidied document."""


class TidyJsonRenderPlugin(_Tidied, JsonRenderPlugin):
    """The tidied document at ``/schema/openapi.json``."""


_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "description": "RFC 9457 problem details", "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}},
}


def tidy(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document (as JSON data) with problem-details error bodies and readable page names.

    Changes ``document`` in place and returns it; tidying a tidied document changes nothing.
    """
    _document_problem_responses(document)
    _rename_pages(document)
    return document


def _document_problem_responses(document: dict[str, Any]) -> None:
    # Litestar documents its own ``{status_code, detail, extra}`` body for 4xx; every error
    # here goes through backend.problems instead, so the document says so.
    for path_item in document.get("paths", {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            for status, response in path_item.get(method, {}).get("responses", {}).items():
                if str(status).startswith(("4", "5")) and "$ref" not in response:
                    response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}}


def _rename_pages(document: dict[str, Any]) -> None:
    """``Page_backend.domain.people.schemas.ClientOut_`` becomes ``ClientOutPage``, references included."""
    schemas = document.get("components", {}).get("schemas", {})
    renames = {}
    for key in list(schemas):
        match = _PAGE_KEY.match(key)
        if match:
            renames[key] = f"{match.group(1)}Page"
            schemas[renames[key]] = schemas.pop(key)
    if renames:
        _rewrite_references(document, {f"#/components/schemas/{o}": f"#/components/schemas/{n}"
                                       for o, n in renames.items()})


def _rewrite_references(node: Any, refs: dict[str, str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            node["$ref"] = refs.get(node["$ref"], node["$ref"])
        for child in node.values():
            _rewrite_references(child, refs)
    elif isinstance(node, list):
        for child in node:
            _rewrite_references(child, refs)
