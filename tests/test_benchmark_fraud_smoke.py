"""The fraud benchmark's code path on a tiny shop (structure only, no timing asserted; the
real RESULTS.md is never touched). Beside tests/test_benchmarks_smoke.py, in its own file."""

from __future__ import annotations

from pathlib import Path

from benchmarks import fraud_curve, runner
from teamgraph.etl import generator

ARGS = ["--customers", "3000", "--distributors", "300", "--fraud-orders", "200",
        "--fraud-rings", "4", "--fraud-seeds", "1", "--fraud-large", "4000",
        "--fraud-graph-large", "2000", "--fraud-heldout-seeds", "101",
        "--fraud-eval-customers", "3000", "--fraud-eval-rings", "5",
        "--fraud-lookalikes", "1"]  # fmt: skip


def test_fraud_runs_on_a_tiny_shop_and_records_its_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(
        "# Benchmark results\n\n<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->\n"
    )
    curve = tmp_path / "curve.png"
    args = runner.parser().parse_args(
        [*ARGS, "--quiet", "--only", "fraud", "--out", str(out), "--fraud-curve", str(curve)]
    )

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
    # issue 18: held-out seeds, the extra kinds and the look-alikes, per kind and per honest kind
    e = result["eval"]
    assert [s["seed"] for s in e["generator_heldout"]] == [101]
    assert [(s["seed"], s["family"]) for s in e["new"]] == [(1, "dev"), (101, "held-out")]
    assert set(e["pooled"]) == {"generator/dev", "generator/held-out", "new/dev", "new/held-out"}
    assert set(e["pooled"]["new/held-out"]["kinds"]) == set(generator.EXTRA_RING_KINDS)
    assert set(e["pooled"]["new/held-out"]["honest"]) == set(generator.HONEST_KINDS)
    assert [r["flag_score"] for r in e["curves"]["new/dev"]] == list(range(0, 101, 5))
    assert "### Quality against kinds it was not written for" in text
    assert "held-out seeds 101" in text and "honest_livestream" in text
    if fraud_curve.CHROMIUM.exists():
        assert e["curve_png"] == str(curve) and curve.read_bytes()[:4] == b"\x89PNG"
