"""Page tests in a real browser: Debian's /usr/bin/chromium driven by Playwright, the app served in a thread,
and axe-core's WCAG 2.1 A/AA rules run on a page.

axe-core comes from the ``axe-playwright-python`` package (a dev dependency in pyproject.toml), which ships
``axe.min.js``; it runs inside the page, so nothing is fetched while testing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.servers import ROOT, free_port

if TYPE_CHECKING:
    from backend.config import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
"""Where page tests save what they saw (git-ignored)."""

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@contextmanager
def live_app(settings: Settings) -> Iterator[str]:
    """The app for ``settings`` served by uvicorn on a free port, in a thread; yields its base URL."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing; run scripts/install-system-packages.sh", pytrace=False)
    import uvicorn

    from backend.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wcag_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now, one line each (empty when none)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:3])}"
            for v in results.response["violations"]]


def look(page: Any, name: str) -> None:
    """Save a full-page screenshot as ``name``.png and fail on any WCAG 2.1 A/AA violation axe-core finds."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = wcag_violations(page)
    assert violations == [], f"{name} ({page.url}): " + "; ".join(violations)
