"""Desktop notifications: a log line, remembered so the app (and tests) can show or check them."""

from __future__ import annotations

import logging

logger = logging.getLogger("domicare.mobile.notify")


class LogNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def notify(self, title: str, message: str) -> None:
        self.sent.append((title, message))
        logger.info("%s: %s", title, message)
