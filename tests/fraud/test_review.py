"""Issue 18, "a review flow that makes the detector better": an analyst marks a ring fraud or
not fraud (stored on the ring, audited, announced), later scans keep the verdict (F-20, F-1's
Jaccard rule), the circuit breaker leaves a cleared ring alone (F-21), and the precision over
the reviewed rings is computed from them (F-22, teamgraph.fraud.review)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamgraph.errors import NotFound, ValidationError
from teamgraph.etl import importer
from teamgraph.fraud import review
from teamgraph.graph import Engine
from teamgraph.shop import Actor, Shop
from teamgraph.shop.events import EVENT_TYPES, list_events
from tests.conftest import engine_env, run_cli
from tests.shop.conftest import HOUR, T0, ShopFactory, distributors

ANALYST = Actor("key_0123456789abcdef", "risk desk")


# -- the evaluation, a pure function -----------------------------------------------------------
def _r(score: int, verdict: str | None, *kinds: str) -> dict[str, Any]:
    return {"score": score, "kinds": list(kinds) or ["self_dealing"], "verdict": verdict}


def test_issue18_precision_is_fraud_verdicts_over_the_reviewed_flagged_rings() -> None:
    rings = [
        _r(90, "fraud", "circular"),
        _r(85, "fraud", "self_dealing", "circular"),
        _r(62, "not_fraud", "shared_signals"),
        _r(45, None),  # flagged, not reviewed
        _r(41, "fraud"),
        _r(30, "fraud"),  # reviewed, under the line
        _r(25, "not_fraud"),
        _r(22, None),
    ]
    out = review.evaluate(rings)
    assert (out["flag_score"], out["rings"], out["reviewed"], out["flagged"]) == (40, 8, 6, 5)
    assert out["unreviewed_flagged"] == 1
    assert out["overall"] == {"reviewed": 4, "fraud": 3, "not_fraud": 1, "precision_bp": 7500}
    assert out["below_line"] == {"reviewed": 2, "fraud": 1, "not_fraud": 1, "precision_bp": 5000}
    by_kind = {k["kind"]: (k["fraud"], k["reviewed"], k["precision_bp"]) for k in out["kinds"]}
    assert by_kind == {  # a ring of two kinds counts in each
        "circular": (2, 2, 10_000),
        "self_dealing": (2, 2, 10_000),
        "shared_signals": (0, 1, 0),
    }
    bands = {(b["low"], b["high"]): (b["fraud"], b["reviewed"], b["flagged"]) for b in out["bands"]}
    assert bands == {
        (0, 19): (0, 0, False),
        (20, 39): (1, 2, False),
        (40, 59): (1, 1, True),
        (60, 79): (0, 1, True),
        (80, 100): (2, 2, True),
    }
    assert next(b for b in out["bands"] if b["low"] == 0)["precision_bp"] is None
    # another flag line moves rings between the figures, not the verdicts
    low = review.evaluate(rings, flag_score=20)
    assert low["overall"] == {"reviewed": 6, "fraud": 4, "not_fraud": 2, "precision_bp": 6666}
    assert low["unreviewed_flagged"] == 2


def test_issue18_nothing_reviewed_is_no_precision_not_zero() -> None:
    out = review.evaluate([_r(80, None), _r(50, None)])
    assert out["overall"]["precision_bp"] is None and out["unreviewed_flagged"] == 2
    assert out["kinds"] == [] and review.evaluate([])["rings"] == 0
    text = "\n".join(review.lines(out))
    assert "flagged, not yet reviewed: 2" in text and "precision    -" in text
    with pytest.raises(ValueError):
        review.evaluate([], flag_score=101)


def test_f22_by_the_latest_scan_a_ring_it_did_not_find_scores_zero() -> None:
    rings = [
        _r(30, "fraud") | {"last_score": 65},  # the changed detector now flags it
        _r(70, "not_fraud") | {"last_score": None},  # and no longer finds this one
        _r(50, None) | {"last_score": 50},
    ]
    assert [r["score"] for r in review.by_latest_scan(rings)] == [65, 0, 50]
    then, now = review.evaluate(rings), review.evaluate(rings, scores="latest")
    assert (then["scores"], now["scores"]) == ("reviewed", "latest")
    assert then["overall"] == {"reviewed": 1, "fraud": 0, "not_fraud": 1, "precision_bp": 0}
    assert now["overall"] == {"reviewed": 1, "fraud": 1, "not_fraud": 0, "precision_bp": 10_000}
    assert "scores: the latest scan's" in "\n".join(review.lines(now))
    with pytest.raises(ValueError):
        review.evaluate(rings, scores="best")


@given(
    st.lists(
        st.tuples(st.integers(0, 100), st.sampled_from(["fraud", "not_fraud", None])), max_size=40
    ),
    st.sampled_from([b[0] for b in review.BANDS]),
)
def test_issue18_the_figures_add_up(rings: list[tuple[int, str | None]], flag: int) -> None:
    """Every reviewed ring is in one band and either over or under the line; the counts behind
    the figures add up to the rings given, whatever the flag line (at a band's lower edge)."""
    out = review.evaluate([_r(s, v) for s, v in rings], flag_score=flag)
    o, below = out["overall"], out["below_line"]
    assert (
        out["reviewed"]
        == o["reviewed"] + below["reviewed"]
        == sum(b["reviewed"] for b in out["bands"])
    )
    assert out["flagged"] == o["reviewed"] + out["unreviewed_flagged"]
    assert o["fraud"] == sum(b["fraud"] for b in out["bands"] if b["flagged"])
    assert below["fraud"] == sum(b["fraud"] for b in out["bands"] if not b["flagged"])
    for figure in [o, below, *out["bands"], *out["kinds"]]:
        assert figure["reviewed"] == figure["fraud"] + figure["not_fraud"]
        bp = figure["precision_bp"]
        assert (bp is None) == (figure["reviewed"] == 0)
        assert bp is None or bp == figure["fraud"] * 10_000 // figure["reviewed"]


# -- on the real engine ---------------------------------------------------------------------
def _ring(ring_id: str, score: int, *members: str) -> dict[str, Any]:
    return {
        "id": ring_id,
        "score": score,
        "kinds": ["self_dealing"],
        "members": [
            {"id": m, "role": "distributor" if m.startswith("d") else "alt"} for m in members
        ],
        "distributors": sum(m.startswith("d") for m in members),
        "top_signals": ["device shared by 2 accounts"],
        "inside_fen": 0,
    }


@pytest.fixture
def shop(make_shop: ShopFactory) -> Shop:
    shop = make_shop()
    distributors(shop, "d1", "d2")
    for c in ("c1", "c2"):
        shop.create_customer(c, name=c, now=T0)
    shop.save_rings(
        [_ring("ring-a", 80, "d1", "c1"), _ring("ring-b", 30, "d2", "c2")],
        scan_id="s1",
        now=T0 + HOUR,
    )
    return shop


def test_issue18_a_verdict_is_stored_audited_and_announced(shop: Shop) -> None:
    ring = shop.review_ring(
        "ring-a", "fraud", actor=ANALYST, note=" same device, same card ", now=T0 + 2 * HOUR
    )
    assert (ring["verdict"], ring["verdict_at"], ring["verdict_by"]) == (
        "fraud",
        T0 + 2 * HOUR,
        "risk desk",
    )
    assert ring["verdict_note"] == "same device, same card" and ring["status"] == "open"
    assert [(c["action"], c["before"], c["after"]) for c in ring["changes"]] == [
        ("ring.review", None, "fraud")
    ]
    (logged,) = shop.audit_log(kind="ring.review")["items"]
    assert (logged["object"], logged["object_id"], logged["actor_key"]) == (
        "ring",
        "ring-a",
        ANALYST.key_id,
    )
    assert logged["reason"] == "same device, same card"
    assert "ring.reviewed" in EVENT_TYPES
    (event,) = list_events(shop.store, type="ring.reviewed")
    assert (event["key"], event["object"], event["verdict"], event["score"]) == (
        "ring-a",
        "ring",
        "fraud",
        80,
    )
    assert event["at"] == T0 + 2 * HOUR and "previous_verdict" not in event  # absent: none


def test_issue18_the_same_verdict_again_is_a_no_op_and_a_new_one_is_audited(shop: Shop) -> None:
    shop.review_ring("ring-a", "fraud", actor=ANALYST, note="first", now=T0 + 2 * HOUR)
    again = shop.review_ring(
        "ring-a", "fraud", actor=Actor.system("cli"), note="second", now=T0 + 3 * HOUR
    )
    assert (again["verdict_by"], again["verdict_note"], again["verdict_at"]) == (
        "risk desk",
        "first",
        T0 + 2 * HOUR,
    )
    assert len(again["changes"]) == 1
    changed = shop.review_ring("ring-a", "not-fraud", actor=Actor.system("cli"), now=T0 + 4 * HOUR)
    assert (changed["verdict"], changed["verdict_by"], changed["verdict_note"]) == (
        "not_fraud",
        "cli",
        None,
    )
    assert [(c["before"], c["after"]) for c in changed["changes"]] == [
        (None, "fraud"),
        ("fraud", "not_fraud"),
    ]
    events = list_events(shop.store, type="ring.reviewed")
    assert [(e["verdict"], e.get("previous_verdict")) for e in events] == [
        ("fraud", None),
        ("not_fraud", "fraud"),
    ]


def test_issue18_bad_reviews_are_refused_and_write_nothing(shop: Shop) -> None:
    with pytest.raises(NotFound) as missing:
        shop.review_ring("ring-zz", "fraud", actor=ANALYST)
    assert missing.value.code == "ring.not_found"
    with pytest.raises(ValidationError) as bad:
        shop.review_ring("ring-a", "maybe", actor=ANALYST)
    assert bad.value.code == "ring.verdict" and bad.value.field == "verdict"
    with pytest.raises(ValidationError) as long:
        shop.review_ring("ring-a", "fraud", actor=ANALYST, note="x" * 501)
    assert long.value.code == "ring.note"
    assert shop.ring("ring-a")["verdict"] is None and not shop.ring("ring-a")["changes"]


def test_f20_a_verdict_is_independent_of_freeze_and_release(shop: Shop) -> None:
    shop.review_ring("ring-a", "not_fraud", actor=ANALYST, now=T0 + 2 * HOUR)
    frozen = shop.freeze_ring("ring-a", actor=ANALYST, now=T0 + 3 * HOUR)
    assert (frozen["status"], frozen["verdict"]) == ("frozen", "not_fraud")
    reviewed = shop.review_ring("ring-a", "fraud", actor=ANALYST, now=T0 + 4 * HOUR)
    assert (reviewed["status"], reviewed["verdict"]) == ("frozen", "fraud")
    released = shop.release_ring("ring-a", actor=ANALYST, now=T0 + 5 * HOUR)
    assert (released["status"], released["verdict"]) == ("released", "fraud")
    assert [c["action"] for c in released["changes"]] == [
        "ring.review",
        "ring.freeze",
        "ring.review",
        "ring.release",
    ]


def test_issue18_the_ring_list_filters_by_verdict(shop: Shop) -> None:
    shop.review_ring("ring-b", "not_fraud", actor=ANALYST, now=T0 + 2 * HOUR)
    assert [r["id"] for r in shop.rings(verdict="not_fraud")] == ["ring-b"]
    assert [r["id"] for r in shop.rings(verdict="none")] == ["ring-a"]
    assert shop.rings(verdict="fraud") == []
    assert [r["verdict"] for r in shop.rings()] == [None, "not_fraud"]
    with pytest.raises(ValidationError):
        shop.rings(verdict="maybe")
    evaluation = shop.ring_evaluation(flag_score=20)
    assert evaluation["overall"] == {
        "reviewed": 1,
        "fraud": 0,
        "not_fraud": 1,
        "precision_bp": 0,
    }
    assert evaluation["unreviewed_flagged"] == 1
    with pytest.raises(ValidationError):
        shop.ring_evaluation(flag_score=-1)


def test_f20_a_reviewed_open_ring_is_kept_by_later_scans_as_reviewed(shop: Shop) -> None:
    """F-1 drops an open ring a scan does not find again and rewrites one it finds; an open
    ring with a verdict is the record of a decision and is kept as it was reviewed."""
    shop.review_ring("ring-b", "not_fraud", actor=ANALYST, now=T0 + 2 * HOUR)
    before = shop.ring("ring-b")
    # found again with another score and members: ring-b keeps what the analyst saw
    shop.save_rings([_ring("ring-b", 55, "d2", "c2", "c1")], scan_id="s2", now=T0 + 3 * HOUR)
    after = shop.ring("ring-b")
    assert (after["score"], after["members"], after["verdict"]) == (30, 2, "not_fraud")
    assert after["member_list"] == before["member_list"] and after["seen_at"] == T0 + 3 * HOUR
    assert {r["id"] for r in shop.rings()} == {"ring-b"}  # ring-a, open, not found: dropped
    # F-22: the evaluation counts the score ring-b had when reviewed, or the latest scan's
    as_reviewed = shop.ring_evaluation(flag_score=40)
    latest = shop.ring_evaluation(flag_score=40, scores="latest")
    assert (as_reviewed["flagged"], latest["flagged"]) == (0, 1)
    assert latest["overall"]["not_fraud"] == 1 and as_reviewed["below_line"]["not_fraud"] == 1
    # not found at all: kept, and by the latest scan not flagged
    shop.save_rings([], scan_id="s3", now=T0 + 4 * HOUR)
    assert [r["id"] for r in shop.rings()] == ["ring-b"]
    assert shop.ring_evaluation(flag_score=0, scores="latest")["bands"][0]["not_fraud"] == 1
    with pytest.raises(ValidationError):
        shop.ring_evaluation(scores="best")
    assert {r["id"] for r in shop.reviewed_rings()} == {"ring-b"}
    assert shop.open_rings() == []


def _device_ring(shop: Shop, tmp_path: Path, accounts: list[str]) -> None:
    """d1 and its customers on one device, each buying through d1 (self-dealing)."""
    for c in accounts:
        if c != "d1":
            shop.visit(c, "d1", at=T0 + 10)
            order = f"o-{c}"
            shop.record_order(
                order, c, [{"product_id": "p", "paid_fen": 10_000}], paid_at=T0 + 20, now=T0 + 20
            )
            shop.complete_order(order, at=T0 + HOUR, now=T0 + HOUR)
    signals = tmp_path / f"signals-{len(accounts)}.csv"
    signals.write_text(
        "customer_id,kind,value,first_seen\n"
        + "".join(f"{c},device,dev-shared-1,{T0 + 5}\n" for c in accounts)
    )
    loaded = importer.load_file(shop, "signals", signals)
    assert loaded.rejected == 0, loaded.summary()


def test_f20_f21_a_scan_maps_the_group_found_again_to_the_reviewed_ring(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    """The real detector: a group found again with one member more (Jaccard 3/4) is reported
    under the reviewed ring's id, which keeps its verdict, score and members; the circuit
    breaker freezes it only while the analyst has not cleared it."""
    shop = make_shop()
    distributors(shop, "d1")
    _device_ring(shop, tmp_path, ["d1", "c1", "c2"])
    first = shop.scan(now=T0 + 2 * HOUR)
    (found,) = [r for r in first.rings if {"d1", "c1", "c2"} <= r.member_ids]
    cleared = shop.review_ring(found.id, "not_fraud", actor=ANALYST, now=T0 + 3 * HOUR)

    _device_ring(shop, tmp_path, ["d1", "c1", "c2", "c3"])
    again = shop.scan(now=T0 + 4 * HOUR, auto_hold_score=1)
    (same,) = [r for r in again.rings if "c3" in r.member_ids]
    assert same.id == found.id and found.id not in again.auto_held
    kept = shop.ring(found.id)
    assert (kept["verdict"], kept["status"], kept["score"]) == ("not_fraud", "open", found.score)
    assert {m["id"] for m in kept["member_list"]} == {m["id"] for m in cleared["member_list"]}
    assert [r["id"] for r in shop.rings()] == [found.id]  # no second ring for the same group

    shop.review_ring(found.id, "fraud", actor=ANALYST, now=T0 + 5 * HOUR)
    held = shop.scan(now=T0 + 6 * HOUR, auto_hold_score=1)
    assert held.auto_held == [found.id]
    assert (shop.ring(found.id)["status"], shop.ring(found.id)["verdict"]) == ("frozen", "fraud")


def test_issue18_cli_fraud_review_and_evaluate(shop: Shop, engine: Engine, data_dir: Path) -> None:
    """`teamgraph fraud review` and `teamgraph fraud evaluate`, each in its own process on the
    test's engine, as a user runs them."""
    env = engine_env(engine, data_dir)

    def teamgraph(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(data_dir, "fraud", *args, "--shop", shop.id, env=env)

    done = teamgraph("review", "ring-a", "--verdict", "not-fraud", "--note", "一家人")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert (printed["id"], printed["verdict"], printed["verdict_by"]) == (
        "ring-a",
        "not_fraud",
        "cli",
    )
    assert printed["verdict_note"] == "一家人" and isinstance(printed["verdict_at"], int)
    again = teamgraph("review", "ring-a", "--verdict", "not_fraud")
    assert again.returncode == 0 and "nothing changed" in again.stderr
    assert len(shop.ring("ring-a")["changes"]) == 1
    assert teamgraph("review", "ring-b", "--verdict", "fraud").returncode == 0

    figures = teamgraph("evaluate", "--flag-score", "30", "--json")
    assert figures.returncode == 0, figures.stderr
    out = json.loads(figures.stdout)
    assert out == shop.ring_evaluation(flag_score=30)
    latest = teamgraph("evaluate", "--latest", "--json")
    assert json.loads(latest.stdout) == shop.ring_evaluation(scores="latest")
    assert out["overall"] == {"reviewed": 2, "fraud": 1, "not_fraud": 1, "precision_bp": 5000}
    text = teamgraph("evaluate")
    assert text.returncode == 0, text.stderr
    assert "flag line 40: 1 of 2 rings flagged, 2 reviewed" in text.stdout
    assert "precision   0.0%  (0 fraud / 1 reviewed flagged rings)" in text.stdout
    assert "self_dealing" in text.stdout and "80-100 *" in text.stdout

    bad = teamgraph("review", "ring-a", "--verdict", "maybe")
    assert bad.returncode == 1 and "ring.verdict" in bad.stderr
    missing = teamgraph("review", "ring-zz", "--verdict", "fraud")
    assert missing.returncode == 1 and "ring.not_found" in missing.stderr
    line = teamgraph("evaluate", "--flag-score", "101")
    assert line.returncode != 0
