"""Route handlers of the visits area."""

from backend.domain.visits.controllers.carer import CarerController
from backend.domain.visits.controllers.supervisor import SupervisorController, VisitRecordController
from backend.domain.visits.controllers.tags import HomeTagController

route_handlers = [CarerController, SupervisorController, VisitRecordController, HomeTagController]
