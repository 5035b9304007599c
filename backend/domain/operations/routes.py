"""Route handlers of the operations area."""

from backend.domain.operations.controllers.audit import AuditController
from backend.domain.operations.controllers.escalation import ContactController, NotificationController
from backend.domain.operations.controllers.family import FamilyContactController

route_handlers = [ContactController, NotificationController, FamilyContactController, AuditController]
