"""Sign-in: server address, username and password; remembers the server and username."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty

from mobile.core.api_client import ApiError, NetworkError
from mobile.screens.widgets import AppScreen


class SignInScreen(AppScreen):
    working = BooleanProperty(False)

    def enter(self, **context: Any) -> None:
        app = self.app
        self.ids.server.text = context.get("server") or app.server
        self.ids.username.text = context.get("username") or app.last_username
        self.ids.password.text = ""
        self.message = context.get("message", "")

    def submit(self) -> None:
        server = self.ids.server.text.strip()
        username = self.ids.username.text.strip()
        password = self.ids.password.text
        if not (server and username and password):
            self.message = "Enter the server, your username and your password"
            return
        self.working, self.message = True, "Signing in..."
        app = self.app
        app.run_in_background(lambda: app.session.sign_in(server, username, password), self._done, self._failed)

    def _done(self, me: dict[str, Any]) -> None:
        self.working, self.message = False, ""
        self.app.server = self.ids.server.text.strip()
        self.app.signed_in(me)

    def _failed(self, error: Exception) -> None:
        self.working = False
        self.show_error(error)

    def show_error(self, error: Exception | None) -> None:
        if isinstance(error, NetworkError):
            self.message = "Cannot reach the server. Check the address and your signal."
        elif isinstance(error, ApiError):
            self.message = error.message[:1].upper() + error.message[1:]
        else:
            self.message = f"Sign-in failed: {error}"
