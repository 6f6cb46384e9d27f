"""The layering holds (docs/architecture.md): entry points over Shop over the rules, the fraud
library and the graph, checked by import-linter's contracts in pyproject.toml; and what imports
cannot show, checked on the syntax tree: only shop/ and graph/ touch a store, and no module
imports another package's private names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "teamgraph"
STORE_OWNERS = ("shop", "graph")


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(), str(p))) for p in sorted(PACKAGE.rglob("*.py"))]


def _package(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_only_shop_and_graph_touch_a_store() -> None:
    """Entry points, the ETL and fraud/ call Shop (``shop.bulk`` for batches), never its store."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _modules()
        if _package(path) not in STORE_OWNERS
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "store"
    ]
    assert found == []


def test_no_module_imports_another_packages_private_names() -> None:
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(
                "teamgraph."
            ):
                continue
            other = node.module.split(".")[1] if node.module else ""
            private = [a.name for a in node.names if a.name.startswith("_")]
            if private and other != _package(path):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module} {private}")
    assert found == []
