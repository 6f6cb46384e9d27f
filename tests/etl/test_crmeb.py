"""--preset crmeb on a small hand-made export of eb_user and eb_store_order (column names as in
CRMEB's install script; times in unix seconds, money in yuan)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from teamgraph.etl import crmeb
from tests.etl.conftest import write_csv
from tests.shop.conftest import DAY, T0, ShopFactory

S0 = T0 // 1000  # unix seconds
USERS = ["uid", "nickname", "real_name", "phone", "add_time", "spread_uid", "spread_time",
         "is_promoter", "status", "spread_open", "brokerage_price"]  # fmt: skip
ORDERS = ["id", "order_id", "uid", "pay_price", "paid", "pay_time", "status", "refund_status",
          "refund_price", "refund_reason_time", "spread_uid", "spread_two_uid",
          "one_brokerage"]  # fmt: skip


def users(tmp: Path) -> Path:
    return write_csv(tmp / "eb_user.csv", USERS, [
        [1, "老王", "王大", "13800000001", S0, 0, 0, 1, 1, 1, "12.00"],
        [2, "小李", "", "", S0 + 60, 1, S0 + 60, 1, 1, 1, "0.00"],
        [3, "", "张三", "", S0 + 120, 2, S0 + 180, 0, 1, 1, "0.00"],
        [4, "自己", "", "", S0 + 120, 4, S0 + 180, 0, 1, 1, "0.00"],   # bound to itself
        [5, "路人", "", "", S0 + 120, 3, S0 + 180, 0, 1, 1, "0.00"],   # 3 is no promoter
        [6, "封禁", "", "", S0 + 120, 1, S0 + 180, 1, 0, 1, "0.00"],   # banned promoter
    ], encoding="gbk")  # fmt: skip


def orders(tmp: Path) -> Path:
    return write_csv(tmp / "eb_store_order.csv", ORDERS, [
        [11, "wx001", 3, "100.00", 1, S0 + 3600, 2, 0, "0.00", 0, 2, 1, "10.00"],
        [12, "wx002", 3, "50.50", 1, S0 + 7200, 1, 2, "20.00", S0 + 9000, 2, 1, "5.05"],
        [13, "wx003", 3, "10.00", 0, 0, 0, 0, "0.00", 0, 2, 1, "0.00"],    # never paid
        [14, "wx004", 99, "10.00", 1, S0 + 7200, 0, 0, "0.00", 0, 0, 0, "0.00"],  # no user 99
        [15, "wx005", 3, "9.999", 1, S0 + 7200, 0, 0, "0.00", 0, 0, 0, "0.00"],
        [16, "wx006", 3, "30.00", 1, S0 + 7300, 0, 1, "30.00", S0 + 9000, 2, 1, "0.00"],
    ])  # fmt: skip


def test_crmeb_users_and_orders_map_onto_the_program(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    shop = make_shop()
    result = crmeb.load_users(shop, users(tmp_path))
    assert (result.loaded, result.rejected) == (4, 2), [p.summary() for p in result.parts]
    assert [p.kind for p in result.parts] == ["customers", "distributors", "bindings",
                                              "invitations"]  # fmt: skip
    now = T0 + 30 * DAY
    assert shop.customer("1", now=now)["name"] == "老王"  # GBK file, names kept
    assert shop.customer("3", now=now)["name"] == "张三"  # real_name when no nickname
    d2 = shop.distributor("2", now=now)
    assert (d2["inviter_id"], d2["status"], d2["direct_clients"]) == ("1", "active", 1)
    assert shop.distributor("6", now=now)["status"] == "frozen"
    assert shop.customer("3", now=now)["binding"]["since"] == (S0 + 180) * 1000
    assert shop.recount(now=now) == []
    with result.rejects.open(encoding="utf-8-sig") as f:  # type: ignore[union-attr]
        rows = {r["uid"]: r["_reason"] for r in csv.DictReader(f)}
    assert rows["4"].startswith("bindings: R-1.8 binding.self")
    assert rows["5"] == "bindings: unknown distributor_id 3 (not a distributor)"

    result = crmeb.load_orders(shop, orders(tmp_path))
    assert (result.loaded, result.rejected, result.skipped) == (3, 2, 1)
    wx1 = shop.order("wx001", now=now)
    paid_at = (S0 + 3600) * 1000  # received: completed when paid (docs/crmeb.md)
    assert (wx1["attributed_to"], wx1["paid_fen"], wx1["completed_at"]) == ("2", 10_000, paid_at)
    assert sorted((r["distributor_id"], r["amount"]) for r in wx1["rewards"]) == [
        ("1", 300), ("2", 1000),
    ]  # fmt: skip
    wx2 = shop.order("wx002", now=now)
    assert (wx2["paid_fen"], wx2["refunded_fen"], wx2["completed_at"]) == (5_050, 2_000, None)
    assert shop.order("wx006", now=now)["refunded_fen"] == 0  # refund only applied for
    with result.rejects.open(encoding="utf-8-sig") as f:  # type: ignore[union-attr]
        rows = {r["order_id"]: r["_reason"] for r in csv.DictReader(f)}
    assert rows == {
        "wx004": "orders: unknown customer_id 99",
        "wx005": "eb_store_order: pay_price: 9.999 yuan has more than 2 decimal places",
    }
    again = crmeb.load_orders(shop, orders(tmp_path))
    assert (again.loaded, again.unchanged, again.rejected) == (0, 3, 2)
    again = crmeb.load_users(shop, users(tmp_path))
    assert (again.loaded, again.unchanged) == (0, 4)


def test_crmeb_cart_lines_split_the_paid_amount(make_shop: ShopFactory, tmp_path: Path) -> None:
    shop = make_shop()
    crmeb.load_users(shop, users(tmp_path))
    order = write_csv(tmp_path / "o.csv", ORDERS[:7],
                      [[21, "wx100", 3, "100.00", 1, S0 + 3600, 0]])  # fmt: skip
    info = [json.dumps({"truePrice": p}) for p in ("30.00", "10.00")]
    cart = write_csv(tmp_path / "cart.csv", ["oid", "product_id", "cart_num", "cart_info"],
                     [[21, 501, 2, info[0]], [21, 502, 1, info[1]]])  # fmt: skip
    result = crmeb.load_orders(shop, order, cart=cart)
    assert result.rejected == 0
    lines = shop.store.read("refund.context", order_id="wx100", refund_id="-")[0]["lines"]
    assert sorted((x["product_id"], x["paid_fen"]) for x in lines) == [
        ("501", 8_571), ("502", 1_429),  # 100 yuan split 6:1 (largest remainder)
    ]  # fmt: skip
