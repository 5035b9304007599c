"""Route handlers of the system area."""

from backend.domain.system.controllers import health, readiness

route_handlers = [health, readiness]
