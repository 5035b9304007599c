"""Route handlers of the person's record."""

from backend.domain.record.controllers import RecordController, accept_invitation
from backend.domain.record.pages import RecordPages, RecordSessionPages

route_handlers = [RecordController, accept_invitation, RecordSessionPages, RecordPages]
