"""Telling the carer or supervisor something while they look elsewhere (sync done, new alert)."""

from __future__ import annotations

from typing import Protocol

from mobile.platform import on_android


class Notifier(Protocol):
    def notify(self, title: str, message: str) -> None: ...


def create() -> Notifier:
    if on_android():
        from mobile.platform.notifications.android import AndroidNotifier

        return AndroidNotifier()
    from mobile.platform.notifications.desktop import LogNotifier

    return LogNotifier()
