"""Android system notifications through plyer."""

from __future__ import annotations


class AndroidNotifier:
    def notify(self, title: str, message: str) -> None:
        from plyer import notification  # type: ignore[import-not-found]

        notification.notify(title=title, message=message, app_name="Domicare", timeout=10)
