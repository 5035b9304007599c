"""Finding what each business area contributes (routes, jobs, commands) by module convention.

An area contributes by having a module of the agreed name; one that has none is skipped,
so areas can be added without touching a central list of imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

AREAS: tuple[str, ...] = (
    "system",
    "accounts",
    "people",
    "visits",
    "alerts",
    "monitoring",
    "finance",
    "rostering",
    "audit",
    "operations",
)


def import_optional(module_name: str) -> ModuleType | None:
    """The module, or ``None`` when it (or its package) does not exist; other import errors propagate."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            return None
        raise


def area_modules(leaf: str) -> Iterator[ModuleType]:
    """``backend.domain.<area>.<leaf>`` for every area that has one, in area order."""
    for area in AREAS:
        module = import_optional(f"backend.domain.{area}.{leaf}")
        if module is not None:
            yield module
