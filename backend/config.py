"""Settings read from the environment, with defaults that run the demo out of the box."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import msgspec

DEFAULT_DATA_DIR = Path("var")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the backend needs to know about its deployment."""

    database_url: str
    secret_key: str
    access_token_minutes: int = 15
    late_tolerance_minutes: int = 30
    offline_window_hours: int = 72
    future_skew_minutes: int = 5
    gps_accuracy_cap_m: float = 100.0
    data_dir: Path = DEFAULT_DATA_DIR
    # Operations: the scheduler (on for serve/demo via load_settings, off by default so tests opt in).
    scheduler_enabled: bool = False
    unverified_end_minutes: int = 30
    escalation_minutes: int = 15
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "alerts@domicare.invalid"
    oncall_email: str = ""
    retention_location_days: int = 90
    retention_sensor_days: int = 396
    retention_audit_days: int = 2557
    # Security: sign-in lockout and rate limit, refresh tokens, CORS (closed unless origins are listed).
    signin_max_failures: int = 5
    signin_lockout_minutes: int = 15
    signin_ip_limit_per_minute: int = 600
    refresh_token_days: int = 30
    cors_origins: tuple[str, ...] = ()
    # Requests in flight per process before new ones get 503 + Retry-After (0: unlimited).
    max_in_flight: int = 64

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is an embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def _secret_key(data_dir: Path) -> str:
    """The JWT signing key: from the environment, else one kept in the data folder.

    Every API process must share the key (tokens are stateless), so a generated
    key is written once and reused rather than made per process.
    """
    from_env = os.environ.get("DOMICARE_SECRET_KEY")
    if from_env:
        return from_env
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_settings(database_url: str | None = None) -> Settings:
    """Settings from ``DOMICARE_*`` environment variables, with an optional database override."""
    data_dir = Path(os.environ.get("DOMICARE_DATA_DIR", str(DEFAULT_DATA_DIR)))
    url = database_url or os.environ.get("DOMICARE_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'domicare.db'}"
    return Settings(
        database_url=url,
        secret_key=_secret_key(data_dir),
        access_token_minutes=int(os.environ.get("DOMICARE_ACCESS_TOKEN_MINUTES", "15")),
        late_tolerance_minutes=int(os.environ.get("DOMICARE_LATE_TOLERANCE_MINUTES", "30")),
        data_dir=data_dir,
        scheduler_enabled=os.environ.get("DOMICARE_SCHEDULER_ENABLED", os.environ.get("DOMICARE_SCHEDULER", "1")).lower()
        not in ("0", "false", "off", "no"),
        unverified_end_minutes=int(os.environ.get("DOMICARE_UNVERIFIED_END_MINUTES", "30")),
        escalation_minutes=int(os.environ.get("DOMICARE_ESCALATION_MINUTES", "15")),
        smtp_host=os.environ.get("DOMICARE_SMTP_HOST", ""),
        smtp_port=int(os.environ.get("DOMICARE_SMTP_PORT", "25")),
        smtp_sender=os.environ.get("DOMICARE_SMTP_SENDER", "alerts@domicare.invalid"),
        oncall_email=os.environ.get("DOMICARE_ONCALL_EMAIL", ""),
        signin_ip_limit_per_minute=int(os.environ.get("DOMICARE_SIGNIN_IP_LIMIT_PER_MINUTE", "600")),
        cors_origins=tuple(o for o in os.environ.get("DOMICARE_CORS_ORIGINS", "").split(",") if o),
        max_in_flight=int(os.environ.get("DOMICARE_MAX_IN_FLIGHT", "64")),
    )
