"""Reading a home's QR tag: the phone's camera, or a code typed by the carer as a fallback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from mobile.platform import on_android


class QrScanner(Protocol):
    """Scans one code and hands its text (or None when cancelled) to ``on_result``."""

    can_scan: bool

    def scan(self, on_result: Callable[[str | None], None]) -> None: ...


def create() -> QrScanner:
    if on_android():
        from mobile.platform.camera_qr.android import AndroidQrScanner

        return AndroidQrScanner()
    from mobile.platform.camera_qr.desktop import TypedCodeScanner

    return TypedCodeScanner()
