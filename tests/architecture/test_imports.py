"""Import rules: libraries never import the backend, low layers never import high ones, and an area
never reaches into another area's controllers, routes, jobs or commands.

The first rules are import-linter contracts in ``pyproject.toml`` (``.venv/bin/lint-imports`` runs
them by hand); the area rule needs to know which area a module belongs to, so it is checked here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
AREA_INTERNALS = ("controllers", "routes", "jobs", "cli", "dependencies", "urls")
"""Modules an area keeps to itself; other areas use its services, repositories, models and schemas."""


def _area(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if parts[:2] == ["backend", "domain"] and len(parts) > 2 else None


def test_the_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


def test_no_area_imports_another_areas_internals() -> None:
    graph = grimp.build_graph("backend", cache_dir=None)
    found = []
    for imported in sorted(graph.modules):
        parts = imported.split(".")
        if _area(imported) is None or len(parts) < 4 or parts[3] not in AREA_INTERNALS:
            continue
        for importer in sorted(graph.find_modules_that_directly_import(imported)):
            if _area(importer) not in (None, _area(imported)):
                found.append(f"{importer} -> {imported}")
    assert found == []
