"""Dependencies run one way: engine ← leases ← closebooks ← integrations ← reports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ABOVE = {
    "leases": {"closebooks", "integrations", "reports"},
    "closebooks": {"integrations", "reports"},
    "integrations": {"reports"},
}


def _imported_apps(app: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found.update((str(path.relative_to(ROOT)), n.split(".")[0]) for n in names)
    return found


@pytest.mark.parametrize("app", sorted(ABOVE))
def test_no_app_imports_an_app_above_it(app):
    upward = sorted((path, top) for path, top in _imported_apps(app) if top in ABOVE[app])
    assert upward == []
