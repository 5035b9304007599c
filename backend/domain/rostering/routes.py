"""Route handlers of the rostering area."""

from backend.domain.rostering.controllers import RosterController

route_handlers = [RosterController]
