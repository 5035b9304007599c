"""Route handlers of the telehealth hub."""

from backend.domain.telehealth.controllers import CostController, HubController, VisitRequestController, sms_inbound
from backend.domain.telehealth.pages import HubPages, HubSessionPages

route_handlers = [HubController, VisitRequestController, CostController, sms_inbound, HubSessionPages, HubPages]
