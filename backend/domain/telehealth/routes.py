"""Route handlers of the telehealth hub."""

from backend.domain.telehealth.controllers import HubController

route_handlers = [HubController]
