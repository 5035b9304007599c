"""Shared fixtures for the rostering tests: the read-only benchmark data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(os.environ.get("DOMICARE_ROSTERING_DATA", Path(__file__).resolve().parents[3] / "shared" / "data" / "rostering"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The benchmark instances (skips the test when the folder is absent)."""
    if not DATA.is_dir():
        pytest.skip(f"benchmark data not found at {DATA}")
    return DATA
