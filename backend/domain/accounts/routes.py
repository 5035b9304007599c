"""Route handlers of the accounts area."""

from backend.domain.accounts.controllers.auth import AuthController

route_handlers = [AuthController]
