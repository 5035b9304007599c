"""Route handlers of the accounts area."""

from backend.domain.accounts.controllers.auth import AuthController
from backend.domain.accounts.controllers.device_sessions import DeviceSessionController

route_handlers = [AuthController, DeviceSessionController]
