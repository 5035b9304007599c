"""Statements live in repositories: no ``select``/``insert``/``update``/``delete`` is built anywhere else in the
backend, except in the database and scheduling packages (tables of no area), so tenancy is enforced in one layer."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATEMENTS = {"select", "insert", "update", "delete"}
ALLOWED_PACKAGES = ("backend/database/", "backend/scheduling/", "backend/migrations/")


def _statements_built(path: Path) -> list[str]:
    """``line: name`` of every SQLAlchemy statement constructor called in a module."""
    tree = ast.parse(path.read_text())
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("sqlalchemy", "sqlmodel")
        for alias in node.names
        if alias.name in STATEMENTS
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in names:
            found.append(f"{node.lineno}: {func.id}")
        elif isinstance(func, ast.Attribute) and func.attr in STATEMENTS and (
            (isinstance(func.value, ast.Name) and func.value.id in ("sqlalchemy", "sa"))
            or (isinstance(func.value, ast.Attribute) and func.value.attr == "__table__")
        ):
            found.append(f"{node.lineno}: {func.attr}")
    return found


def test_no_statement_is_built_outside_repositories() -> None:
    found = {}
    for path in sorted((ROOT / "backend").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if path.name == "repositories.py" or relative.startswith(ALLOWED_PACKAGES):
            continue
        if built := _statements_built(path):
            found[relative] = built
    assert found == {}


def test_the_check_sees_a_statement(tmp_path: Path) -> None:
    module = tmp_path / "services.py"
    module.write_text("from sqlalchemy import select as pick, update\nimport sqlalchemy\n\n"
                      "def f(m):\n    return pick(m), update(m), sqlalchemy.delete(m), m.__table__.select()\n")
    assert _statements_built(module) == ["5: pick", "5: update", "5: delete", "5: select"]
