"""Route handlers of the person's record."""

from backend.domain.record.controllers import RecordController, accept_invitation

route_handlers = [RecordController, accept_invitation]
