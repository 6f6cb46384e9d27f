"""Loads through the Shop on the real engine: rejects and their reasons, re-runs that change
nothing, interrupted loads finished by a re-run, and history attributed as of its time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from teamgraph.etl import kinds
from teamgraph.etl.importer import Options, load_file
from teamgraph.shop import Shop
from teamgraph.shop.bulk import SIGNAL_STATEMENTS
from tests.etl.conftest import counts, load, rejects, write_csv
from tests.formulas import FORMULAS, assert_inert_csv
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory, ledger_entries

ORDER = ("customers", "distributors", "invitations", "bindings", "products", "orders",
         "refunds", "signals")  # fmt: skip
DISTRIBUTORS = ("top", "d1", "d2", "d3")


def story(tmp: Path) -> dict[str, Path]:
    """A small shop's history: c1 bound to d1, rebound to d2 at T0+5h; orders before and after;
    a refund; signals. Every row is good."""
    tmp.mkdir(parents=True, exist_ok=True)
    return {
        "customers": write_csv(tmp / "customers.csv", ["id", "name", "phone", "joined_at"], [
            ["top", "王总", "13800000000", T0], ["d1", "李一", None, T0], ["d2", "张二", None, T0],
            ["d3", "赵三", None, T0], ["c1", "陈客", "13900000001", T0 + HOUR],
            ["c2", "刘客", None, T0 + HOUR], ["c3", "周客", None, T0 + HOUR],
        ]),
        "distributors": write_csv(tmp / "distributors.csv", ["id", "status", "level", "became_at"],
                                  [[d, "active", 1, T0] for d in DISTRIBUTORS]),
        "invitations": write_csv(tmp / "invitations.csv", ["id", "inviter_id", "at"], [
            ["d1", "top", T0], ["d2", "top", T0], ["d3", "d1", T0],
        ]),
        "bindings": write_csv(
            tmp / "bindings.csv",
            ["customer_id", "distributor_id", "since", "ended_at", "end_reason", "source"], [
                ["c1", "d1", T0 + HOUR, T0 + 5 * HOUR, "merchant_rebind", "visit"],
                ["c1", "d2", T0 + 5 * HOUR, None, None, "merchant"],
                ["c2", "d1", T0 + HOUR, None, None, None],
                ["c3", "d3", T0 + HOUR, None, None, None],
                ["d1", "top", T0, None, None, None],
            ]),
        "products": write_csv(tmp / "products.csv", ["id", "name", "price_fen"], [
            ["p1", "绿茶", 10_000], ["p2", "红茶", 5_000],
        ]),
        "orders": write_csv(
            tmp / "orders.csv",
            ["id", "customer_id", "paid_at", "product_id", "paid_fen", "qty", "completed_at"], [
                ["o1", "c1", T0 + 3 * HOUR, "p1", 10_000, 1, T0 + DAY],   # before the rebind
                ["o1", "c1", T0 + 3 * HOUR, "p2", 5_000, 1, T0 + DAY],
                ["o2", "c1", T0 + 6 * HOUR, "p1", 10_000, 1, None],       # after it
                ["o3", "c2", T0 + 2 * HOUR, "p2", 5_000, 2, T0 + 2 * DAY],
                ["o4", "c3", T0 + 7 * HOUR, "p1", 20_000, 2, T0 + 3 * DAY],
                ["o5", "d1", T0 + 8 * HOUR, "p2", 5_000, 1, None],        # a distributor buys
            ]),
        "refunds": write_csv(tmp / "refunds.csv", ["id", "order_id", "amount_fen", "at",
                                                    "product_id"], [
            ["r1", "o1", 5_000, T0 + 2 * DAY, "p2"], ["r2", "o4", 20_000, T0 + 20 * DAY, None],
        ]),
        "signals": write_csv(
            tmp / "signals.csv", ["customer_id", "kind", "value", "first_seen", "last_seen"], [
                ["c1", "device", "dev-1", T0, T0 + HOUR], ["c1", "device", "dev-1", T0 - DAY, T0],
                ["c2", "device", "dev-1", T0, T0], ["c1", "phone", "13900000001", T0, T0],
                ["c3", "ip", "10.0.0.1", None, None], ["c3", "address", "北京市海淀区1号", T0, T0],
                ["d1", "account", "6222000011112222", T0, T0 + DAY],
            ]),
    }  # fmt: skip


def load_all(shop: Shop, files: dict[str, Path]) -> dict[str, Any]:
    results = {kind: load(shop, kind, files[kind]) for kind in ORDER}
    for kind, result in results.items():
        assert result.rejected == 0, (kind, rejects(result))
    return results


def snapshot(shop: Shop) -> dict[str, Any]:
    """What a load leaves: customers with their binding history, distributors with counters
    and levels, orders, the ledger, the signals."""
    now = T0 + 60 * DAY
    people = ("top", "d1", "d2", "d3", "c1", "c2", "c3")
    return {
        "customers": [shop.customer(c, now=now) for c in people],
        "distributors": [shop.distributor(d, now=now) for d in DISTRIBUTORS],
        "orders": [shop.order(o, now=now) for o in ("o1", "o2", "o3", "o4", "o5")],
        "ledger": {
            d: sorted((e["id"], e["amount"], e["status"]) for e in ledger_entries(shop, d, now=now))
            for d in DISTRIBUTORS
        },
        "balances": {d: shop.balances(d, now=now) for d in DISTRIBUTORS},
        "signals": sorted(
            (r["customer_id"], tuple(r["labels"]), r["value"], r["first_seen"], r["last_seen"])
            for r in shop.store.read("etl.signals_get", ids=list(people))
        ),
    }


def test_a_history_loads_and_orders_pay_as_of_their_time(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    shop = make_shop()
    results = load_all(shop, story(tmp_path))
    assert {k: r.loaded for k, r in results.items()} == {
        "customers": 7, "distributors": 4, "invitations": 3, "bindings": 5, "products": 2,
        "orders": 6, "refunds": 2, "signals": 7,
    }  # fmt: skip
    now = T0 + 60 * DAY
    assert shop.recount(now=now) == []
    d1, top = shop.distributor("d1", now=now), shop.distributor("top", now=now)
    assert (d1["direct_clients"], d1["invitees"], top["team_size"]) == (1, 1, 3)
    assert top["by_depth"] == [{"depth": 1, "distributors": 2}, {"depth": 2, "distributors": 1}]
    # o1 was paid before the rebind: d1 and its inviter are paid, not d2
    o1 = shop.order("o1", now=now)
    assert o1["attributed_to"] == "d1"
    assert sorted((r["distributor_id"], r["amount"]) for r in o1["rewards"]) == [
        ("d1", 500), ("d1", 1000), ("top", 150), ("top", 300),
    ]  # fmt: skip
    assert shop.order("o2", now=now)["attributed_to"] == "d2"
    assert shop.order("o3", now=now)["attributed_to"] == "d1"
    # a distributor's own purchase pays its bound distributor, not itself
    assert shop.order("o5", now=now)["attributed_to"] == "top"
    # completions and refunds as live events: o1 completed, settled; r1 clawed back half of p2
    assert o1["completed_at"] == T0 + DAY and o1["refunded_fen"] == 5_000
    assert sum(c["amount"] for c in o1["clawbacks"]) == -(500 + 150)
    d1_money = shop.balances("d1", now=now)
    assert d1_money["settled"] == 1000 + 500 - 500 + 500  # o1 net of r1, o3 (5000 × 10%)
    assert shop.distributor("d1", now=now)["paid_orders"] == 2  # M-2: o1 and o3
    signals = snapshot(shop)["signals"]
    assert ("c1", ("Device",), "dev-1", T0 - DAY, T0 + HOUR) in signals  # min / max merged
    assert all(s[2] != "13900000001" for s in signals)  # phones kept hashed


def test_a_second_run_changes_nothing(make_shop: ShopFactory, tmp_path: Path) -> None:
    shop = make_shop()
    files = story(tmp_path)
    load_all(shop, files)
    before = snapshot(shop)
    for kind in ORDER:
        again = load(shop, kind, files[kind])
        assert counts(again) == (0, again.rows, 0), (kind, again.summary(), rejects(again))
    assert snapshot(shop) == before
    assert shop.recount(now=T0 + 60 * DAY) == []
    fewer = write_csv(tmp_path / "fewer.csv", ["customer_id", "distributor_id", "since"],
                      [["c1", "d1", T0 + HOUR], ["c1", "d2", T0 + 5 * HOUR]])  # fmt: skip
    assert counts(load(shop, "bindings", fewer)) == (0, 2, 0)  # E-2: not given keeps stored


def _halves(files: dict[str, Path], tmp: Path) -> dict[str, Path]:
    """The first half of every file's rows (orders cut at an order's boundary: a load writes an
    order with all its lines at once, so an interruption never splits one)."""
    out = {}
    tmp.mkdir(parents=True, exist_ok=True)
    for kind, path in files.items():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        keep = 1 + (len(lines) - 1) // 2
        if kind == "orders":
            while keep < len(lines) and lines[keep].split(",")[0] == lines[keep - 1].split(",")[0]:
                keep += 1
        out[kind] = tmp / f"half-{path.name}"
        out[kind].write_text("".join(lines[:keep]), encoding="utf-8")
    return out


def test_an_interrupted_load_finished_by_a_rerun_equals_one_run(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    files = story(tmp_path / "full")
    once = make_shop()
    load_all(once, files)
    halves = _halves(files, tmp_path / "half")
    twice = make_shop()
    for kind in ORDER:  # each file: the first half, then the whole file
        first = load(twice, kind, halves[kind])
        assert first.rejected == 0, (kind, rejects(first))
        whole = load(twice, kind, files[kind])
        assert whole.rejected == 0 and whole.unchanged >= first.loaded - 1, (kind, whole.summary())
    assert twice.recount(now=T0 + 60 * DAY) == []
    assert snapshot(twice) == snapshot(once)


class Interrupt(Exception):
    pass


def _interrupt_after(n: int, fn: Callable[..., Any]) -> Callable[..., Any]:
    calls = {"n": 0}

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > n:
            raise Interrupt
        return fn(*args, **kwargs)

    return wrapped


@pytest.mark.parametrize(
    ("kind", "method", "after"),
    [("bindings", "load_bindings", 1), ("orders", "load_order_batch", 1),
     ("orders", "load_order_batch", 3), ("refunds", "load_refund_batch", 0),
     ("distributors", "load_distributors", 1)],
)  # fmt: skip
def test_a_load_killed_mid_way_is_finished_by_running_it_again(
    make_shop: ShopFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    method: str,
    after: int,
) -> None:
    files = story(tmp_path)
    once = make_shop()
    load_all(once, files)
    shop = make_shop()
    for k in ORDER:
        if k == kind:
            with monkeypatch.context() as m:
                m.setattr(shop.bulk, method, _interrupt_after(after, getattr(shop.bulk, method)))
                with pytest.raises(Interrupt):
                    load_file(shop, k, files[k], Options(batch_size=2))
        result = load(shop, k, files[k])
        assert result.rejected == 0, (k, rejects(result))
    assert shop.recount(now=T0 + 60 * DAY) == []
    assert snapshot(shop) == snapshot(once)


def test_bad_rows_go_to_the_rejects_file_with_their_reason(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    shop = make_shop()
    files = story(tmp_path)
    for kind in ORDER[:5]:
        load(shop, kind, files[kind])
    bindings = write_csv(
        tmp_path / "bad-bindings.csv", ["customer_id", "distributor_id", "since"], [
            ["c2", "c2", T0],
            ["c2", "nobody", T0],              # unknown distributor
            ["ghost", "d1", T0],               # unknown customer
            ["c2", "d2", "2026-01-01 08:00"],  # naive time, no --tz
            ["c3", "d1", T0 + 9 * HOUR],       # c3 is bound to d3 already
            ["c2", "d1", T0 + HOUR],           # as stored: unchanged
        ])  # fmt: skip
    result = load(shop, "bindings", bindings)
    assert counts(result) == (0, 1, 5)
    assert result.rejects == tmp_path / "bad-bindings.csv.rejects.csv"
    rows = rejects(result)
    assert [r["_row"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0]["_reason"].startswith("R-1.8 binding.self")
    assert rows[0]["customer_id"] == "c2" and rows[0]["since"] == str(T0)  # the original row
    assert rows[1]["_reason"] == "unknown distributor_id nobody (not a distributor)"
    assert rows[2]["_reason"] == "unknown customer_id ghost"
    assert rows[3]["_reason"] == "since: 2026-01-01 08:00 has no time zone (give an offset or --tz)"
    assert rows[3]["since"] == "2026-01-01 08:00"
    assert rows[4]["_reason"].startswith("R-1.12 binding.open: c3 is bound to d3")
    orders = write_csv(
        tmp_path / "bad-orders.csv", ["id", "customer_id", "paid_at", "product_id", "paid_fen"], [
            ["x1", "c1", T0 + HOUR, "p1", "12.50"],   # money in fen
            ["x1", "c1", T0 + HOUR, "p2", "100"],     # same order: rejected with it
            ["x2", "c1", T0 + HOUR, "nothing", 100],  # unknown product
            ["x3", "c1", None, "p1", 100],            # missing paid_at
            ["x4", "c1", T0 + HOUR, "p1", 100],       # good
        ])  # fmt: skip
    result = load(shop, "orders", orders)
    assert counts(result) == (1, 0, 4)
    reasons = [r["_reason"] for r in rejects(result)]
    assert reasons == [
        "paid_fen: not an integer (decimal yuan? use --money yuan)",
        "order x1: row 1 is rejected",
        "unknown product_id nothing",
        "missing paid_at",
    ]
    header = ["id", "customer_id", "paid_at", "product_id", "paid_fen"]
    clean = write_csv(tmp_path / "bad-orders.csv", header, [["x4", "c1", T0 + HOUR, "p1", 100]])
    again = load(shop, "orders", clean)
    assert counts(again) == (0, 1, 0) and again.rejects is None
    assert not (tmp_path / "bad-orders.csv.rejects.csv").exists()  # a stale one is removed


def test_the_rejects_file_writes_formulas_inert(make_shop: ShopFactory, tmp_path: Path) -> None:
    """X-1: refused rows go back as the file had them, but a cell a spreadsheet would run
    (``=HYPERLINK(...)``, ``@SUM(..)``, ``+1``, ``-2+3``) is prefixed, header cells included."""
    shop = make_shop()
    people = write_csv(tmp_path / "people.csv", ["id", "name", "joined_at", "=note"], [
        [f"p{i}", text, "not a time", text] for i, text in enumerate(FORMULAS)
    ])  # fmt: skip
    result = load(shop, "customers", people)
    assert counts(result) == (0, 0, len(FORMULAS)) and result.rejects is not None
    data = result.rejects.read_bytes()
    assert_inert_csv(data, [*FORMULAS, "=note"])
    assert [r["name"] for r in rejects(result)] == ["'" + t for t in FORMULAS]
    assert [r["joined_at"] for r in rejects(result)] == ["not a time"] * len(FORMULAS)


def test_money_in_yuan_is_exact(make_shop: ShopFactory, tmp_path: Path) -> None:
    shop = make_shop()
    files = story(tmp_path)
    for kind in ORDER[:5]:
        load(shop, kind, files[kind])
    orders = write_csv(
        tmp_path / "yuan.csv", ["id", "customer_id", "paid_at", "product_id", "paid_fen"], [
            ["y1", "c2", T0 + 9 * HOUR, "p1", "0.07"], ["y2", "c2", T0 + 9 * HOUR, "p1", "12.345"],
            ["y3", "c2", T0 + 9 * HOUR, "p1", "100.1"],
        ])  # fmt: skip
    result = load(shop, "orders", orders, money="yuan")
    assert counts(result) == (2, 0, 1)
    assert rejects(result)[0]["_reason"] == "paid_fen: 12.345 yuan has more than 2 decimal places"
    assert shop.order("y1", now=T0 + DAY)["paid_fen"] == 7
    assert shop.order("y3", now=T0 + DAY)["paid_fen"] == 10_010
    tz = write_csv(tmp_path / "tz.csv", ["id", "customer_id", "paid_at", "product_id", "paid_fen"],
                   [["z1", "c2", "2026-01-01 10:00:00", "p1", "1.00"]])  # fmt: skip
    assert counts(load(shop, "orders", tz, money="yuan")) == (0, 0, 1)
    assert counts(load(shop, "orders", tz, money="yuan", tz="Asia/Shanghai")) == (1, 0, 0)
    assert shop.order("z1", now=T0 + DAY)["paid_at"] == T0 + 10 * HOUR


def test_rules_refuse_what_they_refuse_live(make_shop: ShopFactory, tmp_path: Path) -> None:
    shop = make_shop()
    files = story(tmp_path)
    load_all(shop, files)
    cycle = write_csv(tmp_path / "inv.csv", ["id", "inviter_id"],
                      [["top", "d3"], ["d3", "d2"], ["d2", "d2"]])  # fmt: skip
    reasons = [r["_reason"] for r in rejects(load(shop, "invitations", cycle))]
    assert reasons == [
        "R-2.2 distributor.cycle: d3 is in top's team",
        "R-2.2 invitation.fixed: d3 was invited by d1",
        "R-2.2 distributor.cycle: d2 cannot invite itself",
    ]
    products = write_csv(tmp_path / "p.csv", ["id", "reward_bp", "reward_fen"],
                         [["p3", 6000, None], ["p4", 100, 5], ["p1", 800, None]])  # fmt: skip
    result = load(shop, "products", products)
    assert counts(result) == (1, 0, 2)
    assert [r["_reason"].split(":")[0] for r in rejects(result)] == [
        "R-3.3 product.rate_cap", "R-3.2 product.reward",  # both: the rule's own error
    ]  # fmt: skip
    assert shop.store.read("product.get", id="p1")[0]["name"] == "绿茶"  # kept, reward added
    refunds = write_csv(tmp_path / "r.csv", ["id", "order_id", "amount_fen", "at"],
                        [["r9", "o3", 999_999, T0 + 3 * DAY], ["r1", "o1", 1, T0 + 2 * DAY],
                         ["r8", "nope", 1, T0]])  # fmt: skip
    reasons = [r["_reason"] for r in rejects(load(shop, "refunds", refunds))]
    assert reasons[0].startswith("R-3.11 refund.too_much")
    assert reasons[1].startswith("R-3.12 event.conflict")
    assert reasons[2] == "unknown order_id nope"
    levels = write_csv(tmp_path / "lv.csv", ["id", "level"], [["d1", 3]])
    assert rejects(load(shop, "distributors", levels))[0]["_reason"].startswith(
        "level: R-4.1 level.unknown"
    )


def test_via_names_a_member_of_the_shop_or_the_file(make_shop: ShopFactory, tmp_path: Path) -> None:
    shop = make_shop()
    path = write_csv(tmp_path / "c.csv", ["id", "via_distributor_id"],
                     [["a", "b"], ["b", None], ["c", "c"], ["d", "zz"]])  # fmt: skip
    result = load(shop, "customers", path)
    assert counts(result) == (2, 0, 2)
    assert [r["_reason"] for r in rejects(result)] == [
        "R-1.8 binding.self: a customer cannot join through itself",
        "unknown via_distributor_id zz",
    ]
    assert shop.customer("a", now=T0)["joined_via"] == "b"
    assert shop.customer("a", now=T0)["binding"] is None  # E-3: no binding from via


def test_every_kind_has_a_loader_and_a_whitelisted_signal_statement() -> None:
    assert set(kinds.KINDS) == set(ORDER)
    assert set(SIGNAL_STATEMENTS) == {"device", "phone", "address", "account", "ip"}


def test_a_failed_batch_stops_the_orders_load_before_any_later_batch(
    make_shop: ShopFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches are written by a thread of their own while the next one is decided
    (``history._Writer``), one at a time and in order: when the second write fails, the load
    raises and the graph holds the first batch only, a prefix of the events in time order
    (E-6), which a re-run continues."""
    files = story(tmp_path)
    shop = make_shop()
    for kind in ORDER[:5]:
        load(shop, kind, files[kind])
    write = shop.bulk.load_order_batch
    calls = []

    def fail_second(**rows: Any) -> Any:
        calls.append(sorted(r[0] for r in rows["orders"]))
        if len(calls) == 2:
            raise Interrupt
        return write(**rows)

    monkeypatch.setattr(shop.bulk, "load_order_batch", fail_second)
    with pytest.raises(Interrupt):
        load_file(shop, "orders", files["orders"], Options(batch_size=2))
    assert calls == [["o1", "o3"], ["o2", "o4"]]  # the events by time, two per batch
    stored = shop.bulk.stored("orders", ["o1", "o2", "o3", "o4", "o5"])
    assert sorted((o["id"], o["completed_at"]) for o in stored) == [("o1", None), ("o3", None)]
    monkeypatch.undo()
    result = load(shop, "orders", files["orders"])
    assert result.rejected == 0
    assert len(shop.bulk.stored("orders", ["o1", "o2", "o3", "o4", "o5"])) == 5


def test_an_id_the_id_rule_refuses_is_a_rejected_row_and_the_engine_lives(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    """docs/choices.md I-1: FalkorDB 4.16 dies on a uniquely constrained id holding U+0001 or
    made only of spaces. An import refuses such a row with the reason, loads the rest, and a
    signal's value (a Device or IP node's id) is held to the same rule."""
    shop = make_shop()
    people = write_csv(tmp_path / "people.csv", ["id", "name"], [
        ["a\u0001", "control"], ["c1\u200b", "zero width"], ["\u202eevil", "bidi"],
        ["ok1", "fine"], ["cafe\u0301", "combining accent: taken in NFC"],
    ])  # fmt: skip
    result = load(shop, "customers", people)
    assert counts(result) == (2, 0, 3)
    assert all("invisible or control" in r["_reason"] for r in rejects(result))
    assert shop.customer("caf\u00e9")["id"] == "caf\u00e9"
    signals = write_csv(tmp_path / "signals.csv", ["customer_id", "kind", "value"], [
        ["ok1", "device", "dev\u0001"], ["ok1", "ip", "10.0.0.1"],
    ])  # fmt: skip
    result = load(shop, "signals", signals)
    assert counts(result) == (1, 0, 1)
    assert rejects(result)[0]["_reason"].startswith("value: an id holds no invisible")
    assert shop.customer("ok1")["id"] == "ok1"  # the engine answers
