"""Route handlers of the telehealth hub."""

from backend.domain.telehealth.controllers import HubController, VisitRequestController, sms_inbound

route_handlers = [HubController, VisitRequestController, sms_inbound]
