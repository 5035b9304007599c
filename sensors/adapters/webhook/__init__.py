"""HTTP webhook for hubs that push JSON: a pure parser the backend mounts at POST /api/v1/sensors/events.

The backend authenticates the device and passes the home it is registered to;
this package only validates the body and returns normalised events or an error.
"""

from sensors.adapters.webhook.parser import parse_webhook

__all__ = ["parse_webhook"]
