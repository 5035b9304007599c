"""Route handlers of the telehealth hub."""

from backend.domain.telehealth.controllers import HubController, VisitRequestController

route_handlers = [HubController, VisitRequestController]
