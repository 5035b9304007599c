"""Route handlers of the alerts area."""

from backend.domain.alerts.controllers import AlertController

route_handlers = [AlertController]
