"""Settings: each declared once with its default, each settable from a ``DOMICARE_<NAME>`` variable.

:func:`load_settings` is the one place the environment is read; the app, the commands and the
workers take what they need from the :class:`Settings` it returns. The README lists them all.
"""

from __future__ import annotations

import os
import secrets
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import msgspec

ENV_PREFIX = "DOMICARE_"
DEFAULT_DATA_DIR = Path("var")
_TRUE, _FALSE = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the backend needs to know about its deployment (``DOMICARE_`` + the name in capitals)."""

    # Where things are. Unset, the database is ``<data_dir>/domicare.db`` and the signing key is
    # generated once into ``<data_dir>/secret.key`` (every API process must share it).
    database_url: str
    secret_key: str
    data_dir: Path = DEFAULT_DATA_DIR
    # Visits: lateness, how old or how far ahead a device's clock may be, the GPS accuracy trusted.
    late_tolerance_minutes: int = 30
    offline_window_hours: int = 72
    future_skew_minutes: int = 5
    gps_accuracy_cap_m: float = 100.0
    # Operations: the scheduler (one lease holder runs the jobs), escalation and its email, retention.
    scheduler: bool = True
    unverified_end_minutes: int = 30
    escalation_minutes: int = 15
    alarm_repage_minutes: int = 5  # an unacknowledged alarm pages everyone on call again this often
    # A welfare check waits this long for "I'm OK" before it escalates to an urgent alert.
    welfare_check_wait_minutes: int = 15
    # Telehealth hub: default costs per enrolled person (pence) and the stable spell before a step-down.
    hub_equipment_cost_pence: int = 15000
    hub_monthly_cost_pence: int = 2500
    hub_step_down_stable_days: int = 28
    # The hub's day (UK time, Monday to Friday); outside it a red reading pages the on-call clinician.
    hub_day_start: int = 8
    hub_day_end: int = 18
    # An out-of-hours page nobody acknowledges (a reply text, or an intervention) pages the next clinician on
    # call after this long; after the last, the person is sent the hub's fallback advice.
    hub_page_escalate_minutes: int = 15
    # Text messages with monitored people: the gateway's auth token (checks inbound signatures, and sends),
    # the webhook's public URL as the gateway calls it (behind a proxy), and how to send: "outbox" or "twilio".
    sms_auth_token: str = ""
    sms_webhook_url: str = ""
    sms_gateway: str = "outbox"
    sms_account_sid: str = ""
    sms_from: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "alerts@domicare.invalid"
    oncall_email: str = ""
    # Outgoing webhooks (on-call and family): signed with their own key (unset: generated into
    # ``<data_dir>/webhook.key``; receivers verify with it), sent only to https on the public internet
    # unless private targets are allowed (tests and lab networks only).
    webhook_signing_key: str = ""
    webhook_allow_private: bool = False
    # Retention, per record type (backend/domain/operations/retention.py says which guidance each follows).
    retention_location_days: int = 90
    retention_sensor_days: int = 396
    retention_audit_days: int = 2922  # as long as the care record whose reads it logs
    retention_care_record_days: int = 2922  # case notes, concerns, amendments, vital signs: after care ended
    retention_alert_days: int = 2922  # after the alert was resolved
    retention_notification_days: int = 730
    retention_dead_letter_days: int = 90
    retention_signin_days: int = 1
    retention_session_days: int = 30  # after a device session expired
    # Security: tokens, sign-in lockout and rate limit, CORS (closed unless origins are listed, comma-separated).
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    signin_max_failures: int = 5
    signin_lockout_minutes: int = 15
    signin_ip_limit_per_minute: int = 600
    cors_origins: tuple[str, ...] = ()
    # Requests in flight per process before new ones get 503 + Retry-After (0: unlimited).
    max_in_flight: int = 64
    # Finance: where the scheduled weekly export writes (unset: ``<data_dir>/outbox``).
    export_outbox: Path | None = None
    # Rostering: solver worker processes per API process (or per queue worker: the jobs it runs at once).
    roster_workers: int = 1
    # Jobs (roster solves, the weekly finance export): unset, they run inside the API process (the demo);
    # a Redis URL (``redis://host:6379/0``) sends them through SAQ to ``domicare worker`` processes.
    job_queue: str = ""
    job_queue_name: str = "domicare"
    # Monitoring: the Zigbee2MQTT ingest worker inside the API process, and its broker.
    mqtt_ingest: bool = False
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_prefix: str = "zigbee2mqtt"
    mqtt_client_id: str = "domicare-ingest"
    mqtt_share_group: str | None = None
    # ...its credentials and TLS (a deployment's broker refuses anonymous clients; the demo's local one may not),
    # and whether each home's Zigbee2MQTT has its own base topic (<prefix>/<gateway name>: "per-gateway").
    mqtt_username: str | None = None
    mqtt_password: str | None = None
    mqtt_tls: bool = False
    mqtt_ca_file: Path | None = None
    mqtt_cert_file: Path | None = None
    mqtt_key_file: Path | None = None
    mqtt_layout: str = "shared"


class SettingError(ValueError):
    """An environment variable whose value cannot be the setting it names."""


def env_name(field: str) -> str:
    """The environment variable of a setting: ``late_tolerance_minutes`` -> ``DOMICARE_LATE_TOLERANCE_MINUTES``."""
    return ENV_PREFIX + field.upper()


def _parse(name: str, raw: str, annotation: Any) -> Any:
    """One variable's text as the setting's type, or a :class:`SettingError` naming the variable."""
    if get_origin(annotation) in (Union, types.UnionType):  # ``X | None``: empty text is None
        if not raw:
            return None
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    if annotation is bool:
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise SettingError(f"{name} must be one of {', '.join(_TRUE + _FALSE)}, not {raw!r}")
    if annotation is int or annotation is float:
        try:
            return annotation(raw)
        except ValueError:
            kind = "a whole number" if annotation is int else "a number"
            raise SettingError(f"{name} must be {kind}, not {raw!r}") from None
    if annotation is Path:
        return Path(raw)
    if get_origin(annotation) is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting whose ``DOMICARE_`` variable is set, parsed to its declared type."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(Settings):
        name = env_name(field.name)
        if name in environ:
            values[field.name] = _parse(name, environ[name], field.type)
    return values


def environment_setting(field: str) -> Any:
    """One setting from its variable, else its declared default.

    For process-wide resources built before any :class:`Settings` reaches them (the solver pool).
    """
    found = from_environment()
    if field in found:
        return found[field]
    return next(f.default for f in msgspec.structs.fields(Settings) if f.name == field)


def _generated_key(data_dir: Path, name: str = "secret.key") -> str:
    """A signing key kept in the data folder, generated on first use.

    Every API process must share the key (tokens are stateless), so a generated
    key is written once and reused rather than made per process.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / name
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_settings(database_url: str | None = None) -> Settings:
    """Settings from the ``DOMICARE_*`` environment variables, with an optional database override."""
    values = from_environment()
    data_dir = values.setdefault("data_dir", DEFAULT_DATA_DIR)
    if database_url:
        values["database_url"] = database_url
    if not values.get("database_url"):
        values["database_url"] = f"sqlite+aiosqlite:///{data_dir / 'domicare.db'}"
    if not values.get("secret_key"):
        values["secret_key"] = _generated_key(data_dir)
    if not values.get("webhook_signing_key"):
        values["webhook_signing_key"] = _generated_key(data_dir, "webhook.key")
    return Settings(**values)
