"""Every query file passes Neo4j 5's parser and semantic analysis, offline.

Runs tools/cypherlint/lint.mjs (@neo4j-cypher/language-support, pinned in
tools/cypherlint/package-lock.json) over teamgraph/graph/queries/**/*.cypher, and checks on
throwaway files that the linter really catches errors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_DIR = ROOT / "tools" / "cypherlint"
LINT = LINT_DIR / "lint.mjs"
QUERIES = ROOT / "teamgraph" / "graph" / "queries"
PINNED = "2.0.0-next.38"
INSTALLED = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json"
INSTALL_HINT = "run `make test` (it runs `npm ci --prefix tools/cypherlint`)"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"`node` (Node 20+) is not on PATH; install it, then {INSTALL_HINT}")
    return node


def _check_installed() -> None:
    if not INSTALLED.is_file():
        pytest.fail(
            f"the Cypher linter is not installed ({INSTALLED.relative_to(ROOT)} missing): "
            f"{INSTALL_HINT}"
        )
    version = json.loads(INSTALLED.read_text(encoding="utf-8")).get("version")
    if version != PINNED:
        pytest.fail(
            f"@neo4j-cypher/language-support {version} is installed, {PINNED} is pinned: "
            f"{INSTALL_HINT}"
        )


def run_lint(files: list[Path]) -> tuple[int, list[dict[str, object]]]:
    """Lint files; return the exit code and the diagnostics."""
    node = _node()
    _check_installed()
    proc = subprocess.run(
        [node, str(LINT), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode not in (0, 1):
        pytest.fail(f"lint.mjs failed with exit code {proc.returncode}:\n{proc.stderr}")
    diagnostics = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, diagnostics


def _describe(diagnostics: list[dict[str, object]]) -> str:
    lines = []
    for d in diagnostics:
        path = Path(str(d["file"]))
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        lines.append(f"{shown}:{d['line']}:{d['column']}: {d['severity']}: {d['message']}")
    return "\n".join(lines)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_repo_queries_pass_neo4j5_lint() -> None:
    files = sorted(QUERIES.rglob("*.cypher"))
    assert files, f"no .cypher files under {QUERIES.relative_to(ROOT)}: the lint checks nothing"
    code, diagnostics = run_lint(files)
    assert not diagnostics, "Neo4j 5 Cypher lint found problems:\n" + _describe(diagnostics)
    assert code == 0


def test_linter_reports_syntax_error(tmp_path: Path) -> None:
    bad = _write(tmp_path, "syntax.cypher", "MATCH (n RETURN n\n")
    code, diagnostics = run_lint([bad])
    assert code == 1
    assert [(d["file"], d["line"], d["severity"]) for d in diagnostics] == [
        (str(bad), 1, "error")
    ], _describe(diagnostics)
    assert "Invalid input 'RETURN'" in str(diagnostics[0]["message"])


def test_linter_reports_undefined_variable(tmp_path: Path) -> None:
    bad = _write(tmp_path, "semantic.cypher", "MATCH (n)\nRETURN m\n")
    code, diagnostics = run_lint([bad])
    assert code == 1
    assert diagnostics == [
        {
            "file": str(bad),
            "line": 2,
            "column": 8,
            "severity": "error",
            "message": "Variable `m` not defined",
        }
    ]


def test_linter_reports_unknown_function(tmp_path: Path) -> None:
    bad = _write(tmp_path, "function.cypher", "MATCH (n) RETURN toInteger(nosuchfn(n.x)) AS x\n")
    code, diagnostics = run_lint([bad])
    assert code == 1
    assert len(diagnostics) == 1, _describe(diagnostics)
    assert str(diagnostics[0]["message"]).startswith("Function nosuchfn is not present")


def test_undefined_parameter_passes(tmp_path: Path) -> None:
    ok = _write(tmp_path, "param.cypher", "MATCH (n:Member {id: $member_id})\nRETURN n.id AS id\n")
    assert run_lint([ok]) == (0, [])


def test_portable_constructs_pass(tmp_path: Path) -> None:
    ok = _write(
        tmp_path,
        "portable.cypher",
        "// name: upsert\n"
        "UNWIND $rows AS row\n"
        "MERGE (m:Member {id: row.id})\n"
        "ON CREATE SET m.name = row.name, m.created_at = row.at\n"
        "ON MATCH SET m.name = row.name\n"
        "RETURN toInteger(count(m)) AS n\n"
        "\n"
        "// name: totals\n"
        "MATCH (m:Member)\n"
        "WHERE (m)-[:INVITED]->() AND m.created_at >= $since\n"
        "OPTIONAL MATCH (m)-[r:INVITED]->(c:Member)\n"
        "WITH m, collect(c.id) AS invited, toInteger(sum(coalesce(r.amount, 0))) AS total\n"
        "RETURN m.id AS id, size(invited) AS n, total, keys(m) AS k, labels(m) AS l,\n"
        "       timestamp() AS now\n",
    )
    code, diagnostics = run_lint([ok])
    assert (code, diagnostics) == (0, []), _describe(diagnostics)


def test_sections_are_linted_separately_with_file_line_numbers(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sections.cypher",
        "// Queries about members.\n"
        "\n"
        "// name: member_by_id\n"
        "MATCH (n:Member {id: $id})\n"
        "RETURN n.id AS id\n"
        "\n"
        "// name: broken\n"
        "MATCH (n:Member)\n"
        "RETURN m\n"
        "\n"
        "// name: reuses_n\n"
        "MATCH (n:Member)\n"
        "RETURN n.id AS id\n",
    )
    code, diagnostics = run_lint([path])
    assert code == 1
    assert [(d["line"], d["column"], d["message"]) for d in diagnostics] == [
        (9, 8, "Variable `m` not defined")
    ], _describe(diagnostics)
