"""Rules of the architecture that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "node_modules", "var", "tests", "migrations", "__pycache__"}
JOSE_WRAPPER = REPO / "edem" / "accounts" / "tokens.py"


def _project_modules() -> list[Path]:
    return [
        path
        for path in REPO.rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(REPO).parts)
    ]


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_every_jose_use_goes_through_the_one_token_wrapper():
    offenders = [
        str(path.relative_to(REPO))
        for path in _project_modules()
        if path != JOSE_WRAPPER and "jose" in _imported_roots(path)
    ]
    assert "jose" in _imported_roots(JOSE_WRAPPER)
    assert offenders == []
