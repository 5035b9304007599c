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
    )
