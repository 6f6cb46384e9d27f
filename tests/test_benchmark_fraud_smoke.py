"""The fraud benchmark's code path on a tiny shop (structure only, no timing asserted; the
real RESULTS.md is never touched). Beside tests/test_benchmarks_smoke.py, in its own file."""

from __future__ import annotations

from pathlib import Path

from benchmarks import runner

ARGS = ["--customers", "3000", "--distributors", "300", "--fraud-orders", "200",
        "--fraud-rings", "4", "--fraud-seeds", "1", "--fraud-large", "4000",
        "--fraud-graph-large", "2000"]  # fmt: skip


def test_fraud_runs_on_a_tiny_shop_and_records_its_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(
        "# Benchmark results\n\n<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->\n"
    )
    args = runner.parser().parse_args([*ARGS, "--quiet", "--only", "fraud", "--out", str(out)])

    result = runner.run_all(args)["fraud"]

    g = result["graph"]
    assert g["engine"]["kind"] == "falkordb-embedded"
    assert g["scan_s"] > 0 and g["memory"]["peak_mb"] > 0
    assert g["stats"]["kept"] >= g["quality"]["flagged"] > 0
    assert g["quality"]["recall"] is not None
    big = result["graph_large"]
    assert big["customers"] == 2000 and big["orders"] == 0 and big["rows"]["orders"] > 0
    assert big["quality"]["flagged"] > 0
    assert [s["seed"] for s in result["seeds"]] == [1, 99]
    assert result["seeds"][-1]["rings"] == 0 and result["seeds"][-1]["quality"]["recall"] is None
    assert result["large"]["customers"] == 4000 and result["large"]["detect_s"] >= 0
    text = out.read_text()
    assert "<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->" in text
    assert text.count("<!-- benchmark:fraud -->") == 1
    assert "### Graph scan: 3,000" in text and "### Graph scan: 2,000" in text
    assert "### 4,000 customers (in memory)" in text and "only the rings' own orders" in text
