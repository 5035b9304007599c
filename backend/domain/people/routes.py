"""Route handlers of the people area."""

from backend.domain.people.controllers import PeopleController

route_handlers = [PeopleController]
