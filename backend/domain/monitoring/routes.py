"""Route handlers of the monitoring area."""

from backend.domain.monitoring.controllers.dead_letters import DeadLetterController
from backend.domain.monitoring.controllers.devices import DeviceController
from backend.domain.monitoring.controllers.observations import ObservationController
from backend.domain.monitoring.controllers.profiles import ProfileController
from backend.domain.monitoring.controllers.sensor_events import SensorEventController

route_handlers = [DeviceController, SensorEventController, ObservationController, ProfileController,
                  DeadLetterController]
