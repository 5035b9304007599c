"""Route handlers of the telehealth hub."""

from backend.domain.telehealth.controllers import CostController, HubController, VisitRequestController, sms_inbound

route_handlers = [HubController, VisitRequestController, CostController, sms_inbound]
