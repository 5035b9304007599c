"""Settings: declared once, every one settable from its ``DOMICARE_`` variable, listed in the README, read in one place."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from backend.config import SettingError, Settings, env_name, environment_setting, load_settings

ROOT = Path(__file__).resolve().parents[2]
FIELDS = msgspec.structs.fields(Settings)


def _example(field: msgspec.structs.FieldInfo) -> tuple[str, Any]:
    """A value unlike the default, as the environment would spell it and as the setting should hold it."""
    kind = field.type
    if kind is bool:
        return ("off", False) if field.default else ("yes", True)
    if kind is int:
        return "7", 7
    if kind is float:
        return "12.5", 12.5
    if kind is Path or kind == Path | None:
        return "/srv/somewhere", Path("/srv/somewhere")
    if kind == tuple[str, ...]:
        return "https://a.example, https://b.example", ("https://a.example", "https://b.example")
    return "some-text", "some-text"


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
def test_every_setting_is_read_from_its_variable(field: msgspec.structs.FieldInfo, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("DOMICARE_DATA_DIR", str(tmp_path))
    raw, expected = _example(field)
    monkeypatch.setenv(env_name(field.name), raw)
    assert getattr(load_settings(), field.name) == expected


def test_unset_variables_give_the_declared_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for field in FIELDS:
        monkeypatch.delenv(env_name(field.name), raising=False)
    monkeypatch.setenv("DOMICARE_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'domicare.db'}"
    assert settings.secret_key == (tmp_path / "secret.key").read_text().strip() and len(settings.secret_key) > 40
    assert settings.webhook_signing_key == (tmp_path / "webhook.key").read_text().strip() != settings.secret_key
    for field in FIELDS:
        if field.name not in ("database_url", "secret_key", "data_dir", "webhook_signing_key"):
            assert getattr(settings, field.name) == field.default, field.name
    assert environment_setting("roster_workers") == 1
    assert load_settings("postgresql+asyncpg://u@h/db").database_url == "postgresql+asyncpg://u@h/db"


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("DOMICARE_ESCALATION_MINUTES", "soon", "DOMICARE_ESCALATION_MINUTES must be a whole number, not 'soon'"),
    ("DOMICARE_GPS_ACCURACY_CAP_M", "far", "DOMICARE_GPS_ACCURACY_CAP_M must be a number, not 'far'"),
    ("DOMICARE_SCHEDULER", "maybe", "DOMICARE_SCHEDULER must be one of 1, true, on, yes, 0, false, off, no, not 'maybe'"),
])
def test_a_bad_value_names_its_variable(name: str, raw: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(SettingError) as raised:
        load_settings()
    assert str(raised.value) == message


def test_the_readme_lists_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"`(DOMICARE_[A-Z0-9_]+)`", readme))
    for prefix, suffixes in re.findall(r"`(DOMICARE_[A-Z0-9]+)_[A-Z0-9_]+`((?: / `_[A-Z0-9_]+`)+)", readme):
        listed |= {prefix + suffix for suffix in re.findall(r"`(_[A-Z0-9_]+)`", suffixes)}
    missing = sorted(env_name(field.name) for field in FIELDS if env_name(field.name) not in listed)
    assert missing == [], f"settings missing from the README: {missing}"


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = re.compile(r"os\.environ\.get\(|os\.getenv\(|os\.environ\[[^\]]+\](?!\s*=)")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "backend").rglob("*.py"))
        if path != ROOT / "backend" / "config.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if readers.search(line)
    ]
    assert found == []
