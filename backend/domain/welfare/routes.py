"""Route handlers of the welfare area."""

from backend.domain.welfare.controllers import HubWelfareCheckController, WelfareCheckController

route_handlers = [WelfareCheckController, HubWelfareCheckController]
