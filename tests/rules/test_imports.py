"""rules/ is pure: it imports nothing of the project but ``teamgraph.errors`` and its own
modules, and no presentation library (issue 12)."""

from __future__ import annotations

import ast
from pathlib import Path

import teamgraph.rules

RULES = Path(teamgraph.rules.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            if node.module == "teamgraph":
                names |= {f"teamgraph.{a.name}" for a in node.names}
    return names


def test_rules_import_only_errors_and_rules() -> None:
    modules = sorted(RULES.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        for name in _imports(path):
            if name == "teamgraph" or name.startswith("teamgraph."):
                assert name == "teamgraph.errors" or name.startswith("teamgraph.rules"), (
                    f"{path.name} imports {name}"
                )
            assert name.split(".")[0] not in {"segno", "openpyxl", "pyarrow", "pandas"}, (
                f"{path.name} imports {name}"
            )
