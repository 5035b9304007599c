"""The API explains itself: a valid OpenAPI 3.1 document with typed answers, errors that name
what the caller sent, and the same pagination on every list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from openapi_spec_validator import OpenAPIV31SpecValidator

from shared.enums import AlertState
from shared.visit_actions import ConcernCategory
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.servers import ServerProcess, free_port


@pytest.fixture
def document(api: TestClient) -> dict[str, Any]:
    response = api.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _free_form(schema: dict[str, Any], components: dict[str, Any], seen: tuple[str, ...] = ()) -> bool:
    """Whether a response schema is an object with no declared properties (``additionalProperties: {}``)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return name not in seen and _free_form(components[name], components, (*seen, name))
    if schema.get("type") == "array":
        return _free_form(schema.get("items", {}), components, seen)
    if any(_free_form(option, components, seen) for key in ("oneOf", "anyOf") for option in schema.get(key, [])):
        return True
    if not schema:  # {} admits anything: no declared shape at all
        return True
    return schema.get("type") == "object" and not schema.get("properties")


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in OpenAPIV31SpecValidator(document).iter_errors()]
    assert document["openapi"].startswith("3.1")
    assert errors == []


def test_every_answer_has_a_declared_shape_and_readable_names(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    untyped = [
        f"{method.upper()} {path} {status}"
        for path, item in document["paths"].items() for method, operation in item.items()
        if isinstance(operation, dict)
        for status, response in operation.get("responses", {}).items()
        if status.startswith("2") and "application/json" in response.get("content", {})
        and _free_form(response["content"]["application/json"]["schema"], components)
    ]
    assert untyped == []
    assert not [name for name in components if "." in name or "typing" in name]
    assert {"RotaVisitPage", "AlertOutPage", "Board"} <= set(components)


def test_auth_and_raw_bodies_are_described(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert schemes["DeviceToken"] == {**schemes["DeviceToken"], "type": "apiKey", "in": "header", "name": "X-Device-Token"}
    events = document["paths"]["/api/v1/sensors/events"]["post"]
    assert events["security"] == [{"DeviceToken": []}]
    reading = events["requestBody"]["content"]["application/json"]["schema"]["oneOf"][1]
    assert {"sensor", "kind", "value", "time"} <= set(reading["properties"])
    observations = document["paths"]["/api/v1/clients/{client_id}/observations"]["post"]
    assert {"DeviceToken": []} in observations["security"] and {"BearerToken": []} in observations["security"]
    compact = observations["requestBody"]["content"]["application/json"]["schema"]["oneOf"][0]
    assert {"time", "heart_rate", "spo2", "consciousness"} <= set(compact["properties"])


def test_the_docs_page_loads_its_viewer_from_this_server(api: TestClient) -> None:
    page = api.get("/schema")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text.split("<body", 1)[0]
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js"):
        assert f"/schema/assets/{asset}" in page.text
        response = api.get(f"/schema/assets/{asset}")
        assert response.status_code == 200 and len(response.content) > 10_000


def test_errors_name_the_parameter_sent_and_the_values_allowed(api: TestClient,
                                                               headers_for: Callable[[str], dict[str, str]]) -> None:
    carer, supervisor = headers_for("carer.demo"), headers_for("supervisor.demo")
    bad_day = api.get("/api/v1/me/visits", params={"date": "tomorrow"}, headers=carer)
    assert bad_day.status_code == 400
    assert bad_day.json()["detail"].startswith("invalid date: expected YYYY-MM-DD")
    assert [e["key"] for e in bad_day.json()["errors"]] == ["date"]
    assert api.get("/api/v1/me/visits", params={"date": "2026-02-30"}, headers=carer).status_code == 400

    bad_state = api.get("/api/v1/alerts", params={"state": "closed"}, headers=supervisor)
    assert bad_state.status_code == 400
    detail = bad_state.json()["detail"]
    assert "state" in detail and all(s.value in detail for s in AlertState)

    visit_id = api.get("/api/v1/me/visits", headers=carer).json()["items"][0]["id"]
    odd_concern = api.post(f"/api/v1/visits/{visit_id}/concerns", json={
        "at": "2026-01-01T09:00:00+00:00", "category": "gossip", "text": "x"}, headers={**carer, "Idempotency-Key": "k" * 12})
    assert odd_concern.status_code == 400
    assert all(c.value in odd_concern.json()["detail"] for c in ConcernCategory), odd_concern.json()["detail"]

    json_sign_in = api.post("/api/v1/auth/token", json={"username": "carer.demo", "password": "demo-password"})
    assert json_sign_in.status_code in (400, 415)
    assert "application/x-www-form-urlencoded" in json_sign_in.json()["detail"]


def test_an_empty_date_means_today(api: TestClient, headers_for: Callable[[str], dict[str, str]]) -> None:
    carer = headers_for("carer.demo")
    today = api.get("/api/v1/me/visits", headers=carer).json()
    empty = api.get("/api/v1/me/visits?date=", headers=carer)
    assert empty.status_code == 200 and empty.json() == today
    board = api.get("/api/v1/board?date=", headers=headers_for("supervisor.demo"))
    assert board.status_code == 200


@pytest.mark.parametrize(("user", "path"), [
    ("carer.demo", "/api/v1/me/visits"),
    ("supervisor.demo", "/api/v1/alerts"),
    ("supervisor.demo", "/api/v1/reviews"),
    ("supervisor.demo", "/api/v1/amendments"),
])
def test_every_list_pages_the_same_way(api: TestClient, headers_for: Callable[[str], dict[str, str]],
                                       user: str, path: str) -> None:
    headers = headers_for(user)
    whole = api.get(path, params={"limit": 500}, headers=headers).json()
    assert set(whole) == {"items", "total", "limit", "offset"}
    page = api.get(path, params={"limit": 1, "offset": 1}, headers=headers).json()
    assert (page["limit"], page["offset"], page["total"]) == (1, 1, whole["total"])
    assert page["items"] == whole["items"][1:2]


def test_case_notes_and_the_board_page_their_lists(api: TestClient, headers_for: Callable[[str], dict[str, str]]) -> None:
    supervisor = headers_for("supervisor.demo")
    board = api.get("/api/v1/board", params={"limit": 2, "alerts_limit": 1}, headers=supervisor).json()
    for part, limit in (("visits", 2), ("alerts", 1)):
        assert set(board[part]) == {"items", "total", "limit", "offset"}
        assert board[part]["limit"] == limit and len(board[part]["items"]) <= limit
    assert board["visits"]["total"] == sum(board["counts"].values())
    visit_id = board["visits"]["items"][0]["id"]
    notes = api.get(f"/api/v1/visits/{visit_id}/case-notes", headers=supervisor)
    assert notes.status_code == 200 and set(notes.json()) == {"items", "total", "limit", "offset"}


def test_the_docs_page_renders_with_no_internet(empty_db_url: str, tmp_path: Path, db_factory: Any) -> None:
    """Swagger UI in headless Chromium with every request off this machine refused: the operations still show."""
    if db_factory.backend != "sqlite":
        pytest.skip("the page is the same on both databases; one browser run is enough")
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing; run scripts/install-system-packages.sh", pytrace=False)
    from playwright.sync_api import sync_playwright

    server = ServerProcess(empty_db_url, free_port(), tmp_path, scheduler=False)
    server.start()
    refused: list[str] = []

    def offline(route: Any) -> None:
        if route.request.url.startswith(server.base_url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", offline)
                page.goto(f"{server.base_url}/schema")
                page.wait_for_selector(".opblock", timeout=30_000)
                assert page.locator(".opblock").count() > 40
                assert "Domicare API" in page.locator(".info .title").inner_text()
                page.screenshot(path=str(tmp_path / "api-docs.png"))
            finally:
                browser.close()
    finally:
        server.stop()
    assert refused == [], "the docs page asked the internet for something"


def test_the_served_document_is_litestars_tidied_once_and_tidying_again_changes_nothing(
        api: TestClient, document: dict[str, Any]) -> None:
    import copy

    from backend.openapi import tidy

    built = api.app.openapi_schema.to_schema()  # Litestar's own, as built lazily on the first request
    assert any(key.startswith("Page_") for key in built["components"]["schemas"]), "pages are renamed when served"
    assert tidy(copy.deepcopy(built)) == document
    assert tidy(copy.deepcopy(document)) == document
