"""Products, orders, refunds, the ledger and withdrawals over real HTTP (docs/api.md "Events and
idempotency", "Team views" ledger, "Money out"), as scenarios named after the rules of
docs/rules.md sections 3 and 5.

Every story runs in the past (the API refuses events more than 5 minutes ahead), so the
after-sale windows of ``settle_days`` are over by the time the ledger is read.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import openpyxl
import pytest

from teamgraph.api import exports
from teamgraph.clock import now_ms
from tests.api.conftest import ShopApi
from tests.api.test_relationships import customer, distributor, get, ms, ok, refused, visit
from tests.formulas import FORMULAS, assert_inert_csv, assert_inert_xlsx

HOUR = 3_600_000
DAY = 24 * HOUR
MakeShop = Callable[..., ShopApi]

TWO_LEVELS = [
    {
        "level": 1,
        "name": "铜牌",
        "reward_bp": 1000,
        "inviter_reward_bp": 300,
        "first_order_reward_bp": 1500,
    },
    {
        "level": 2,
        "name": "银牌",
        "conditions": {"paid_orders": 2},
        "reward_bp": 1200,
        "inviter_reward_bp": 400,
        "first_order_reward_bp": 1500,
    },
]
MONTH = {
    "tiers": 2,
    "settle_days": 7,
    "levels": TWO_LEVELS,
    "withdrawal": {
        "methods": ["bank", "alipay"],
        "min_fen": 100,
        "max_fen": 500_000,
        "max_count": 3,
        "per": "month",
    },
}
COLUMNS = [
    "withdrawal_id",
    "distributor_id",
    "holder",
    "account",
    "account_masked",
    "amount_fen",
    "amount_yuan",
    "tax_fen",
    "net_fen",
    "net_yuan",
    "method",
    "status",
    "requested_at",
    "approved_at",
    "paid_at",
]
ROUNDS = 6
"""Rounds of a concurrency test: one overlap is enough to show a race."""
BALANCES = ("pending", "held", "settled", "requested", "withdrawn", "withdrawable", "points")


# -- helpers --------------------------------------------------------------------------------------
def line(product_id: str, paid_fen: int, **fields: Any) -> dict[str, Any]:
    return {"product_id": product_id, "qty": 1, "paid_fen": paid_fen, **fields}


def order(
    m: httpx.Client,
    oid: str,
    cid: str,
    lines: list[dict[str, Any]],
    paid_at: int | None = None,
    status: int = 201,
) -> dict[str, Any]:
    body: dict[str, Any] = {"id": oid, "customer_id": cid, "lines": lines}
    if paid_at is not None:
        body["paid_at"] = paid_at
    return ok(m.post("/v1/orders", json=body), status)  # type: ignore[no-any-return]


def complete(m: httpx.Client, oid: str, at: int) -> dict[str, Any]:
    return ok(m.post(f"/v1/orders/{oid}/complete", json={"at": at}))  # type: ignore[no-any-return]


def refund(
    m: httpx.Client, oid: str, rid: str, amount: int, status: int = 201, **fields: Any
) -> dict[str, Any]:
    body = {"id": rid, "amount_fen": amount, **fields}
    return ok(m.post(f"/v1/orders/{oid}/refunds", json=body), status)  # type: ignore[no-any-return]


def paid_by(view: dict[str, Any]) -> list[tuple[str, int, int]]:
    """An order's rewards as (distributor, tier, amount)."""
    return [(r["distributor_id"], r["tier"], r["amount"]) for r in view["rewards"]]


def ledger(client: httpx.Client, did: str, limit: int = 2) -> dict[str, Any]:
    """The whole ledger, read page by page (``limit`` small on purpose: the cursor is used)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        page = get(client, f"/v1/distributors/{did}/ledger", **params)
        assert set(page) == {"distributor_id", "balances", "items", "next_cursor"}
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return {"balances": page["balances"], "items": items}


def balances(client: httpx.Client, did: str) -> dict[str, int]:
    b: dict[str, int] = get(client, f"/v1/distributors/{did}/ledger", limit=1)["balances"]
    assert tuple(b) == BALANCES
    return b


def entries(client: httpx.Client, did: str) -> list[tuple[str, str, int, str]]:
    """The ledger's entries, newest first, as (id, kind, amount, status); checks R-3.12's
    invariant on the way: the balances are the sums of these entries."""
    book = ledger(client, did)
    items, b = book["items"], book["balances"]
    fen = [e for e in items if e["unit"] == "fen"]
    moves = [e for e in fen if e["kind"] == "withdrawal" and e["status"] != "rejected"]
    earned = sum(
        e["amount"] for e in fen if e["kind"] != "withdrawal" and e["status"] != "rejected"
    )
    assert b["pending"] + b["held"] + b["settled"] + b["requested"] + b["withdrawn"] == earned
    assert b["requested"] == -sum(e["amount"] for e in moves if e["status"] != "paid")
    assert b["withdrawn"] == -sum(e["amount"] for e in moves if e["status"] == "paid")
    assert b["pending"] == sum(e["amount"] for e in fen if e["status"] == "pending")
    assert b["withdrawable"] == max(0, b["settled"])
    assert b["points"] == sum(e["amount"] for e in items if e["unit"] == "point")
    return [(e["id"], e["kind"], e["amount"], e["status"]) for e in items]


def withdraw(client: httpx.Client, did: str, amount: int, status: int = 201, **fields: Any) -> Any:
    body = {"distributor_id": did, "amount_fen": amount, "method": "bank"}
    body |= {"account": "6222021234567890"} | fields
    return ok(client.post("/v1/withdrawals", json=body), status)


def earn(m: httpx.Client, did: str, reward_fen: int, tag: str = "x") -> None:
    """``did`` earns ``reward_fen`` settled under the default program (level 1: 10%): a client of
    its own pays ten times that 20 days ago and the order completes the next day."""
    t = now_ms() - 20 * DAY
    cid = f"{did}-{tag}"
    visit(m, cid, did, at=t - HOUR)
    order(m, f"o-{cid}", cid, [line("p", reward_fen * 10)], paid_at=t)
    complete(m, f"o-{cid}", t + DAY)


def at_once(s: ShopApi, n: int, method: str, path: str, bodies: list[dict[str, Any]]) -> list[int]:
    """Send ``n`` requests as nearly at the same moment as threads allow (each its own
    connection, released together by a barrier); their status codes."""
    key = s.shop.create_key("merchant")
    start = threading.Barrier(n)

    def send(body: dict[str, Any]) -> int:
        with httpx.Client(
            base_url=s.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        ) as client:
            client.get("/v1/health")  # connected before the barrier
            start.wait()
            return client.request(method, path, json=body).status_code

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(send, bodies))


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    text = response.content.decode("utf-8")[1:]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == COLUMNS
    return list(reader)


def xlsx_rows(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    [header, *rows] = list(book.active.iter_rows(values_only=True))
    book.close()
    assert list(header) == COLUMNS
    pad = [None] * len(COLUMNS)  # trailing empty cells (paid_at not yet) are not stored
    return [dict(zip(COLUMNS, [*row, *pad][: len(COLUMNS)], strict=True)) for row in rows]


# -- the worked month -----------------------------------------------------------------------------
def test_r3_worked_month_rewards_settlement_refund_netting_and_a_paid_batch(
    make_shop: MakeShop,
) -> None:
    """C1 invited B1; A1 is B1's client. A month of A1's orders, settled, withdrawn, then a
    refund that takes the settled balances negative and a late completion that nets them."""
    s = make_shop(MONTH)
    m = s.merchant
    t0 = now_ms() - 30 * DAY
    distributor(m, "C1", at=t0 - 2 * DAY)
    customer(m, "B1", joined_at=t0 - 2 * DAY)
    visit(m, "B1", "C1", at=t0 - 2 * DAY + HOUR)
    b1 = ok(
        m.post("/v1/distributors", json={"customer_id": "B1", "at": t0 - 2 * DAY + 2 * HOUR}), 201
    )
    assert (b1["status"], b1["inviter_id"]) == ("active", "C1")
    customer(m, "A1", joined_at=t0 - DAY)
    assert visit(m, "A1", "B1", at=t0 - DAY + HOUR)["bound_to"] == "B1"
    tea = {"id": "P-TEA", "name": "龙井 250g", "price_fen": 10_000, "reward_bp": 2000}
    assert ok(m.post("/v1/products", json=tea)) == tea | {"cost_fen": None, "reward_fen": None}

    # O1, A1's first order: P-MUG has no own rate, so B1's level-1 first-order rate
    # of 15% applies; C1 gets its level's inviter rate of 3% (R-3.6)
    o1 = order(m, "O1", "A1", [line("P-MUG", 5000, qty=2)], paid_at=t0)
    assert o1["attributed_to"] == "B1"
    assert paid_by(o1) == [("B1", 1, 750), ("C1", 2, 150)]
    assert [(r["rate_bp"], r["status"], r["unit"]) for r in o1["rewards"]] == [
        (1500, "pending", "fen"),
        (300, "pending", "fen"),
    ]
    assert ms(o1["paid_at"]) == t0 and o1["settle_at"] is None
    # O2, a repeat order of P-TEA: its own 20% on the split amount 90.00, not the paid 100.00
    o2 = order(m, "O2", "A1", [line("P-TEA", 10_000, split_fen=9000)], paid_at=t0 + 2 * DAY)
    assert paid_by(o2) == [("B1", 1, 1800), ("C1", 2, 270)]
    # B1 has two paid orders now: level 2, whose repeat-order rate is 12%
    assert get(m, "/v1/distributors/B1")["level"] == 2
    o3 = order(m, "O3", "A1", [line("P-MUG", 3000)], paid_at=t0 + 3 * DAY)
    assert paid_by(o3) == [("B1", 1, 360), ("C1", 2, 90)]
    o4 = order(m, "O4", "A1", [line("P-MUG", 10_000, qty=4)], paid_at=t0 + 20 * DAY)
    assert paid_by(o4) == [("B1", 1, 1200), ("C1", 2, 300)]

    # completion starts the 7-day after-sale window; O4 is not completed yet
    for oid, day in (("O1", 1), ("O2", 3), ("O3", 4)):
        done = complete(m, oid, t0 + day * DAY)
        assert ms(done["completed_at"]) == t0 + day * DAY
        assert ms(done["settle_at"]) == t0 + (day + 7) * DAY
        assert {r["status"] for r in done["rewards"]} == {"settled"}  # read 30 days later
    assert ms(complete(m, "O1", t0 + 9 * DAY)["completed_at"]) == t0 + DAY  # idempotent

    assert balances(m, "B1") == dict.fromkeys(BALANCES, 0) | {
        "pending": 1200,  # O4
        "settled": 750 + 1800 + 360,
        "withdrawable": 2910,
    }
    assert balances(m, "C1") == dict.fromkeys(BALANCES, 0) | {
        "pending": 300,
        "settled": 150 + 270 + 90,
        "withdrawable": 510,
    }

    # withdrawals: B1 asks with its own key, the merchant asks for C1
    b1_key = s.client("distributor", "B1")
    wb = withdraw(b1_key, "B1", 2910, id="w-b1", holder="张三")
    assert (wb["status"], wb["account"], wb["account_masked"]) == (
        "requested",
        None,  # the full account is for merchant keys only
        "************7890",
    )
    wc = withdraw(m, "C1", 510, id="w-c1", method="alipay", account="c1@example.cn", holder="李四")
    assert (wc["account"], wc["account_masked"]) == ("c1@example.cn", "*********e.cn")
    assert balances(m, "B1")["settled"] == 0 and balances(m, "B1")["requested"] == 2910
    approved_at = {}
    for wid in ("w-b1", "w-c1"):
        approved = ok(m.post(f"/v1/withdrawals/{wid}/approve"))
        assert approved["status"] == "approved" and approved["approved_at"] is not None
        approved_at[wid] = approved["approved_at"]

    # the approved batch exported for the bank, CSV and Excel, the same table
    rows = csv_rows(m.get("/v1/withdrawals", params={"status": "approved", "format": "csv"}))
    assert rows == [
        {
            "withdrawal_id": "w-b1",
            "distributor_id": "B1",
            "holder": "张三",
            "account": "6222021234567890",
            "account_masked": "************7890",
            "amount_fen": "2910",
            "amount_yuan": "29.10",
            "tax_fen": "0",
            "net_fen": "2910",
            "net_yuan": "29.10",
            "method": "bank",
            "status": "approved",
            "requested_at": wb["requested_at"],
            "approved_at": approved_at["w-b1"],  # issue 17: the export lacked them
            "paid_at": "",
        },
        {
            "withdrawal_id": "w-c1",
            "distributor_id": "C1",
            "holder": "李四",
            "account": "c1@example.cn",
            "account_masked": "*********e.cn",
            "amount_fen": "510",
            "amount_yuan": "5.10",
            "tax_fen": "0",
            "net_fen": "510",
            "net_yuan": "5.10",
            "method": "alipay",
            "status": "approved",
            "requested_at": wc["requested_at"],
            "approved_at": approved_at["w-c1"],
            "paid_at": "",
        },
    ]
    r = m.get("/v1/withdrawals", params={"status": "approved", "format": "csv"})
    assert r.headers["content-disposition"] == "attachment; filename=withdrawals-approved.csv"
    r = m.get("/v1/withdrawals", params={"status": "approved", "format": "xlsx"})
    assert r.headers["content-disposition"] == "attachment; filename=withdrawals-approved.xlsx"
    sheet = xlsx_rows(r)

    def cell(k: str, v: object) -> str:  # yuan are number cells (issue 17): 29.1 is "29.10"
        return "" if v is None else f"{v:.2f}" if k.endswith("_yuan") else str(v)

    assert [{k: cell(k, v) for k, v in row.items()} for row in sheet] == rows
    assert isinstance(sheet[0]["amount_fen"], int) and sheet[0]["holder"] == "张三"
    assert isinstance(sheet[0]["amount_yuan"], int | float)  # a number, not "29.10" text

    # ... paid through the bank and confirmed in one action
    batch = ok(m.post("/v1/withdrawals/paid", json={"ids": ["w-b1", "w-c1"]}))
    assert [(w["id"], w["status"]) for w in batch["items"]] == [("w-b1", "paid"), ("w-c1", "paid")]
    assert csv_rows(m.get("/v1/withdrawals", params={"status": "approved", "format": "csv"})) == []
    assert balances(m, "B1") == dict.fromkeys(BALANCES, 0) | {"pending": 1200, "withdrawn": 2910}

    # half of O2 is refunded after its rewards settled and were withdrawn; on the rate
    # basis the clawback is refunded amount × rate: 50.00 × 20% and × 3%
    at = ms(batch["items"][0]["paid_at"]) + 1000
    back = refund(m, "O2", "rf-1", 5000, product_id="P-TEA", at=at)
    assert [(c["id"], c["amount"], c["status"]) for c in back["clawbacks"]] == [
        ("rf-1:O2:r0:t1", -1000, "settled"),
        ("rf-1:O2:r0:t2", -150, "settled"),
    ]
    assert (back["order"]["refunded_fen"], back["order"]["status"]) == (5000, "paid")
    assert balances(m, "B1") == dict.fromkeys(BALANCES, 0) | {
        "pending": 1200,
        "settled": -1000,  # negative ...
        "withdrawn": 2910,
    }
    more = {"distributor_id": "B1", "amount_fen": 100, "method": "bank", "account": "62220212"}
    err = refused(b1_key.post("/v1/withdrawals", json=more), 422, "withdrawal.insufficient")
    assert (err["rule"], err["withdrawable_fen"]) == ("R-5.2", 0)  # ... nothing to withdraw

    # ... until later earnings net it: O4 completes (reported late), its window is over
    complete(m, "O4", t0 + 21 * DAY)
    assert balances(m, "B1") == dict.fromkeys(BALANCES, 0) | {
        "settled": 200,
        "withdrawable": 200,
        "withdrawn": 2910,
    }
    assert balances(m, "C1") == dict.fromkeys(BALANCES, 0) | {
        "settled": 150,
        "withdrawable": 150,
        "withdrawn": 510,
    }

    # every number, entry by entry, newest first: the sums are the balances above
    assert entries(b1_key, "B1") == [
        ("rf-1:O2:r0:t1", "clawback", -1000, "settled"),
        ("w-b1", "withdrawal", -2910, "paid"),
        ("O4:r0:t1", "reward", 1200, "settled"),
        ("O3:r0:t1", "reward", 360, "settled"),
        ("O2:r0:t1", "reward", 1800, "settled"),
        ("O1:r0:t1", "reward", 750, "settled"),
    ]  # 750 + 1800 + 360 + 1200 - 1000 = 3110 earned = 200 settled + 2910 withdrawn
    assert entries(m, "C1") == [
        ("rf-1:O2:r0:t2", "clawback", -150, "settled"),
        ("w-c1", "withdrawal", -510, "paid"),
        ("O4:r0:t2", "reward", 300, "settled"),
        ("O3:r0:t2", "reward", 90, "settled"),
        ("O2:r0:t2", "reward", 270, "settled"),
        ("O1:r0:t2", "reward", 150, "settled"),
    ]  # 150 + 270 + 90 + 300 - 150 = 660 earned = 150 settled + 510 withdrawn
    refused(m.get("/v1/distributors/A1/ledger"), 404, "distributor.not_found")  # A1 earns nothing

    # the entries' own details: times in shop time, the clawback names what it reverses
    book = ledger(m, "B1")["items"]
    claw, out = book[0], book[1]
    assert (ms(claw["at"]), claw["reverses"], claw["refund_id"]) == (at, "O2:r0:t1", "rf-1")
    assert (out["method"], ms(out["at"])) == ("bank", ms(wb["requested_at"]))
    assert (ms(book[2]["at"]), ms(book[2]["settle_at"])) == (t0 + 20 * DAY, t0 + 28 * DAY)
    assert (book[4]["product_id"], book[4]["rate_bp"], book[4]["basis"]) == ("P-TEA", 2000, "rate")

    view = get(s.analyst, "/v1/orders/O2")
    assert [(c["id"], c["amount"]) for c in view["clawbacks"]] == [
        ("rf-1:O2:r0:t1", -1000),
        ("rf-1:O2:r0:t2", -150),
    ]
    assert [(r["id"], r["returned"]) for r in view["rewards"]] == [
        ("O2:r0:t1", 1000),
        ("O2:r0:t2", 150),
    ]


# -- who earns ---------------------------------------------------------------------
def test_r1_6_r3_7_the_buyer_never_earns_from_its_own_purchase(make_shop: MakeShop) -> None:
    m = make_shop().merchant  # level 1: 10%, inviter 3%; tiers 2
    t0 = now_ms() - 10 * DAY
    distributor(m, "D1", at=t0 - 3 * DAY)
    customer(m, "C1", joined_at=t0 - 3 * DAY)
    visit(m, "C1", "D1", at=t0 - 3 * DAY + HOUR)
    assert (
        ok(m.post("/v1/distributors", json={"customer_id": "C1", "at": t0 - 2 * DAY}), 201)[
            "inviter_id"
        ]
        == "D1"
    )
    customer(m, "B1", joined_at=t0 - 2 * DAY)
    visit(m, "B1", "C1", at=t0 - 2 * DAY + HOUR)
    assert (
        ok(m.post("/v1/distributors", json={"customer_id": "B1", "at": t0 - DAY}), 201)[
            "inviter_id"
        ]
        == "C1"
    )

    # B1, a distributor, buys: its bound distributor C1 and C1's inviter D1 earn, B1 nothing
    own = order(m, "O-B1", "B1", [line("p", 10_000)], paid_at=t0)
    assert own["attributed_to"] == "C1"
    assert paid_by(own) == [("C1", 1, 1000), ("D1", 2, 300)]
    assert entries(m, "B1") == []

    # a loop: C1 rebound to B1 buys; B1 earns tier 1 and tier 2 would be C1 itself:
    # the tier is skipped, not handed up to D1 (C-1)
    ok(m.put("/v1/customers/C1/binding", json={"distributor_id": "B1"}))
    loop = order(m, "O-C1", "C1", [line("p", 10_000)])
    assert (loop["attributed_to"], paid_by(loop)) == ("B1", [("B1", 1, 1000)])
    assert [e[0] for e in entries(m, "D1")] == ["O-B1:r0:t2"]
    assert [e[0] for e in entries(m, "C1")] == ["O-B1:r0:t1"]

    # a customer with no distributor at the time of payment earns nobody anything (M-1)
    customer(m, "LONE")
    assert paid_by(order(m, "O-LONE", "LONE", [line("p", 10_000)])) == []


def test_r3_7_three_tiers_pay_the_inviter_s_inviter(make_shop: MakeShop) -> None:
    m = make_shop({"tiers": 3}).merchant
    t0 = now_ms() - DAY
    distributor(m, "T3", at=t0 - 3 * HOUR)
    for child, parent, h in (("T2", "T3", 2), ("T1", "T2", 1)):
        customer(m, child, joined_at=t0 - (h + 1) * HOUR)
        visit(m, child, parent, at=t0 - (h + 1) * HOUR + 1)
        ok(m.post("/v1/distributors", json={"customer_id": child, "at": t0 - h * HOUR}), 201)
    visit(m, "BUYER", "T1", at=t0)
    view = order(m, "O", "BUYER", [line("p", 10_000)], paid_at=t0 + 1)
    assert paid_by(view) == [("T1", 1, 1000), ("T2", 2, 300), ("T3", 3, 300)]


# -- cost protection ------------------------------------------------------------------------
def test_r3_8_cost_protection_cuts_the_lowest_tier_first(make_shop: MakeShop) -> None:
    m = make_shop({"cost_protection": True}).merchant
    distributor(m, "UP")
    visit(m, "D", "UP")
    ok(m.post("/v1/distributors", json={"customer_id": "D"}), 201)
    visit(m, "X", "D")
    view = order(
        m,
        "O",
        "X",
        [
            line("a", 10_000, cost_fen=8000),  # margin 2000: 1000 + 300 both fit
            line("b", 10_000, cost_fen=9000),  # margin 1000: tier 2's 300 is cut
            line("c", 10_000, cost_fen=9500),  # margin 500: tier 2 to 0, tier 1 to 500
            line("d", 10_000, cost_fen=12_000),  # sold below cost: nothing
            line("e", 10_000),  # no cost, not protected
        ],
    )
    assert sorted((r["line"], r["distributor_id"], r["amount"]) for r in view["rewards"]) == [
        (0, "D", 1000),
        (0, "UP", 300),
        (1, "D", 1000),
        (2, "D", 500),
        (4, "D", 1000),
        (4, "UP", 300),
    ]


def test_r3_8_without_cost_protection_nothing_is_cut(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    visit(m, "X", "D")
    view = order(m, "O", "X", [line("a", 10_000, cost_fen=9500)])
    assert paid_by(view) == [("D", 1, 1000)]


def test_r3_8_a_line_without_cost_is_protected_by_its_product_s_cost(make_shop: MakeShop) -> None:
    m = make_shop({"cost_protection": True}).merchant
    distributor(m, "D")
    visit(m, "X", "D")
    ok(m.post("/v1/products", json={"id": "P", "name": "P", "price_fen": 5000, "cost_fen": 4750}))
    view = order(m, "O", "X", [line("P", 10_000, qty=2)])  # cost: 2 × 47.50
    assert paid_by(view) == [("D", 1, 500)]


# -- refunds -------------------------------------------------------------------------------
@pytest.mark.parametrize("basis", ["rate", "fixed"])
def test_r3_11_partial_refunds_add_up_to_a_full_one_exactly(
    make_shop: MakeShop, basis: str
) -> None:
    program: dict[str, Any] = {"reward_basis": basis}
    if basis == "fixed":
        program["levels"] = [
            {"level": 1, "name": "L1", "reward_fen": 333, "inviter_reward_fen": 77}
        ]
    m = make_shop(program).merchant
    distributor(m, "UP")
    visit(m, "D", "UP")
    ok(m.post("/v1/distributors", json={"customer_id": "D"}), 201)
    visit(m, "X", "D")
    view = order(m, "O", "X", [line("a", 6667, qty=2), line("b", 3333)])
    issued = {r["id"]: r["amount"] for r in view["rewards"]}
    expected = {
        "rate": {"O:r0:t1": 666, "O:r0:t2": 200, "O:r1:t1": 333, "O:r1:t2": 99},
        "fixed": {"O:r0:t1": 666, "O:r0:t2": 154, "O:r1:t1": 333, "O:r1:t2": 77},
    }[basis]
    assert issued == expected

    # thirds of 100.00 without product_id (spread over the lines, M-3), then what is left
    for i, amount in enumerate((3333, 3333, 3334)):
        refund(m, "O", f"r{i}", amount)
    after = get(m, "/v1/orders/O")
    assert (after["refunded_fen"], after["status"]) == (10_000, "refunded")
    returned: dict[str, int] = {}
    for c in after["clawbacks"]:
        reverses = c["id"].split(":", 1)[1]
        returned[reverses] = returned.get(reverses, 0) - c["amount"]
    assert returned == issued  # exactly what was issued, not a fen more or less
    assert all(r["returned"] == r["amount"] for r in after["rewards"])
    for did in ("D", "UP"):
        assert sum(e[2] for e in entries(m, did)) == 0
        assert balances(m, did) == dict.fromkeys(BALANCES, 0)

    err = refused(
        m.post("/v1/orders/O/refunds", json={"id": "r9", "amount_fen": 1}),
        422,
        "refund.too_much",
        "R-3.11",
    )
    assert (err["field"], err["refundable_fen"]) == ("amount_fen", 0)


def test_r3_11_a_refund_of_one_product_falls_on_its_lines(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    visit(m, "X", "D")
    order(m, "O", "X", [line("a", 6000), line("b", 4000)])
    back = refund(m, "O", "r1", 4000, product_id="b")
    assert [(c["id"], c["amount"]) for c in back["clawbacks"]] == [("r1:O:r1:t1", -400)]
    err = refused(
        m.post("/v1/orders/O/refunds", json={"id": "r2", "amount_fen": 1, "product_id": "b"}),
        422,
        "refund.too_much",
        "R-3.11",
    )
    assert err["refundable_fen"] == 0
    refused(
        m.post("/v1/orders/O/refunds", json={"id": "r3", "amount_fen": 1, "product_id": "zz"}),
        422,
        "refund.product",
        "R-3.11",
    )
    # a pending reward's clawback is pending too: the two net before settling (M-4)
    assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {"pending": 600}


# -- idempotent events ---------------------------------------------------------------------
def test_r3_12_order_and_refund_events_are_idempotent_on_their_ids(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    t0 = now_ms() - 2 * DAY
    visit(m, "X", "D", at=t0 - HOUR)
    event = {"id": "O", "customer_id": "X", "paid_at": t0, "lines": [line("p", 10_000)]}
    first = ok(m.post("/v1/orders", json=event), 201)
    book = entries(m, "D")
    assert ok(m.post("/v1/orders", json=event)) == first
    # the same instant written as ISO-8601 is the same event
    iso = {**event, "paid_at": first["paid_at"]}
    assert ok(m.post("/v1/orders", json=iso)) == first
    for other in (
        {"paid_at": t0 + 1},
        {"lines": [line("p", 10_001)]},
        {"lines": [line("p", 10_000, split_fen=9000)]},
        {"customer_id": "D"},
    ):
        err = refused(m.post("/v1/orders", json=event | other), 409, "event.conflict", "R-3.12")
        assert err["field"] == "id"
    assert entries(m, "D") == book

    body = {"id": "R", "amount_fen": 2500, "at": t0 + HOUR}
    created = m.post("/v1/orders/O/refunds", json=body)
    assert created.status_code == 201
    book = entries(m, "D")
    assert [e[0] for e in book] == ["R:O:r0:t1", "O:r0:t1"]
    again = m.post("/v1/orders/O/refunds", json=body)
    assert (again.status_code, again.json()) == (200, created.json())
    for other in ({"amount_fen": 2501}, {"at": t0 + 2 * HOUR}, {"product_id": "p"}):
        refused(m.post("/v1/orders/O/refunds", json=body | other), 409, "event.conflict", "R-3.12")
    assert entries(m, "D") == book
    assert get(m, "/v1/orders/O")["refunded_fen"] == 2500
    # completion is idempotent too: a second one keeps the first time
    done = complete(m, "O", t0 + DAY)
    assert complete(m, "O", t0 + 2 * DAY) == done


def test_r3_12_a_refund_id_is_not_reused_on_another_order(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    visit(m, "X", "D")
    order(m, "O1", "X", [line("p", 10_000)])
    order(m, "O2", "X", [line("p", 10_000)])
    at = now_ms()  # after both orders were paid
    refund(m, "O1", "R", 1000, at=at)
    r = m.post("/v1/orders/O2/refunds", json={"id": "R", "amount_fen": 1000, "at": at})
    refused(r, 409, "event.conflict", "R-3.12")  # refund ids are shop-wide, like order ids
    assert get(m, "/v1/orders/O2")["refunded_fen"] == 0


def test_r3_11_concurrent_refunds_never_refund_more_than_was_paid(make_shop: MakeShop) -> None:
    s = make_shop()
    m = s.merchant
    distributor(m, "D")
    visit(m, "X", "D")
    for n in range(ROUNDS):  # a race: several rounds, so that one of them overlaps
        order(m, f"O{n}", "X", [line("p", 1000)])
        bodies = [{"id": f"R{n}-{i}", "amount_fen": 600} for i in range(12)]
        codes = at_once(s, 12, "POST", f"/v1/orders/O{n}/refunds", bodies)
        assert get(m, f"/v1/orders/O{n}")["refunded_fen"] == 600
        assert sorted(codes) == [201] + [422] * 11


# -- held rewards ------------------------------------------------------------------
def test_r3_10_a_frozen_distributor_s_rewards_are_held_not_settled(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    t = now_ms() - 20 * DAY
    visit(m, "X", "D", at=t - HOUR)
    order(m, "O", "X", [line("p", 10_000)], paid_at=t)
    ok(m.post("/v1/distributors/D/freeze", json={"reason": "ring review"}))
    done = complete(m, "O", t + DAY)  # its window ended 12 days ago, while frozen
    assert [r["status"] for r in done["rewards"]] == ["held"]
    assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {"held": 1000}
    refused(
        m.post(
            "/v1/withdrawals",
            json={"distributor_id": "D", "amount_fen": 100, "method": "bank", "account": "62220"},
        ),
        422,
        "withdrawal.frozen",
        "R-6.4",
    )
    ok(m.post("/v1/distributors/D/unfreeze"))
    assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {"settled": 1000, "withdrawable": 1000}


# -- withdrawal rules -----------------------------------------------------------------------
def test_r5_1_methods_limits_and_frequency(make_shop: MakeShop) -> None:
    rules = {"methods": ["bank", "alipay"], "min_fen": 1000, "max_fen": 5000, "max_count": 2}
    s = make_shop({"withdrawal": rules | {"per": "day"}})
    m = s.merchant
    distributor(m, "D")
    earn(m, "D", 12_000)
    assert balances(m, "D")["withdrawable"] == 12_000

    def no(amount: Any, code: str, rule: str | None = "R-5.1", **fields: Any) -> dict[str, Any]:
        body = {"distributor_id": "D", "amount_fen": amount, "method": "bank"}
        body |= {"account": "6222021234567890"} | fields
        return refused(m.post("/v1/withdrawals", json=body), 422, code, rule)

    assert no(0, "withdrawal.amount")["field"] == "amount_fen"
    no(-100, "withdrawal.amount")
    err = no(999, "withdrawal.amount")
    assert (err["min_fen"], err["max_fen"]) == (1000, 5000)
    no(5001, "withdrawal.amount")
    assert no(1000, "withdrawal.method", method="wechat")["methods"] == ["bank", "alipay"]
    no(1000, "withdrawal.method", method="paypal")
    assert no(12.5, "request.invalid", "R-3.9")["field"] == "amount_fen"  # no floats
    no("1000", "request.invalid", None)
    no(1000, "request.invalid", None, account='=HYPERLINK("http://x")')
    no(1000, "request.invalid", None, account="")
    no(1000, "request.invalid", None, holder="=cmd|' /C calc'!A0")
    no(1000, "request.invalid", None, unknown=1)
    assert entries(m, "D") == [("o-D-x:r0:t1", "reward", 12_000, "settled")]  # nothing written

    first = withdraw(m, "D", 5000, method="alipay", account="13800000000")
    withdraw(m, "D", 1000)
    err = no(1000, "withdrawal.too_many")
    assert (err["max_count"], err["per"]) == (2, "day")
    # W-2: a rejected request gives its slot back
    ok(m.post(f"/v1/withdrawals/{first['id']}/reject", json={"reason": "wrong account"}))
    withdraw(m, "D", 5000)
    assert balances(m, "D")["withdrawable"] == 12_000 - 6000
    ok(m.post(f"/v1/withdrawals/{first['id']}/reject"))  # rejecting again changes nothing
    no(1000, "withdrawal.too_many")


def test_r5_1_the_balance_check_comes_last(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    earn(m, "D", 300)
    err = refused(
        m.post(
            "/v1/withdrawals",
            json={"distributor_id": "D", "amount_fen": 301, "method": "bank", "account": "62220"},
        ),
        422,
        "withdrawal.insufficient",
        "R-5.2",
    )
    assert err["withdrawable_fen"] == 300
    refused(
        m.post(
            "/v1/withdrawals",
            json={
                "distributor_id": "NOBODY",
                "amount_fen": 300,
                "method": "bank",
                "account": "6222",
            },
        ),
        404,
        "distributor.not_found",
    )
    assert withdraw(m, "D", 300)["status"] == "requested"


def test_r3_12_a_withdrawal_with_an_id_is_an_idempotent_event(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    earn(m, "D", 5000)
    body = {"id": "w-1", "distributor_id": "D", "amount_fen": 1000, "method": "bank"}
    body["account"] = "6222021234567890"
    first = ok(m.post("/v1/withdrawals", json=body), 201)
    assert ok(m.post("/v1/withdrawals", json=body)) == first
    refused(m.post("/v1/withdrawals", json=body | {"amount_fen": 1001}), 409, "event.conflict")
    assert balances(m, "D")["requested"] == 1000
    assert ok(m.post("/v1/withdrawals", json=body | {"id": None}), 201)["id"] != "w-1"
    refused(m.post("/v1/withdrawals", json=body | {"id": "w:tax"}), 422, "request.invalid")


def test_r5_2_concurrent_requests_never_overdraw(make_shop: MakeShop) -> None:
    s = make_shop({"withdrawal": {"max_count": 100}})
    m = s.merchant
    distributor(m, "D")
    for n in range(ROUNDS):  # a race: several rounds, so that one of them overlaps
        earn(m, "D", 1000, tag=str(n))
        body = {"distributor_id": "D", "amount_fen": 1000, "method": "bank", "account": "62220212"}
        codes = at_once(s, 12, "POST", "/v1/withdrawals", [body] * 12)
        assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {"requested": 1000 * (n + 1)}
        assert sorted(codes) == [201] + [422] * 11


# -- the merchant's review ------------------------------------------------------------------
def test_r5_2_reject_returns_the_money_and_only_allowed_moves_happen(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    earn(m, "D", 8000)
    w = withdraw(m, "D", 3000, id="w-1")
    assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {
        "settled": 5000,
        "requested": 3000,
        "withdrawable": 5000,
    }
    err = refused(m.post("/v1/withdrawals/w-1/paid"), 409, "withdrawal.state", "R-5.2")
    assert (err["status"], err["action"]) == ("requested", "pay")  # approve first
    rejected = ok(m.post("/v1/withdrawals/w-1/reject", json={"reason": "账户名不符"}))
    assert (rejected["status"], rejected["reason"]) == ("rejected", "账户名不符")
    assert ms(rejected["rejected_at"]) >= ms(w["requested_at"])
    assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {"settled": 8000, "withdrawable": 8000}
    assert entries(m, "D")[0] == ("w-1", "withdrawal", -3000, "rejected")
    refused(m.post("/v1/withdrawals/w-1/approve"), 409, "withdrawal.state", "R-5.2")
    refused(m.post("/v1/withdrawals/w-1/paid"), 409, "withdrawal.state", "R-5.2")

    withdraw(m, "D", 2000, id="w-2")
    assert ok(m.post("/v1/withdrawals/w-2/approve"))["status"] == "approved"
    assert ok(m.post("/v1/withdrawals/w-2/approve"))["status"] == "approved"  # W-7
    paid = ok(m.post("/v1/withdrawals/w-2/paid"))
    assert paid["status"] == "paid" and paid["paid_at"] is not None
    assert ok(m.post("/v1/withdrawals/w-2/paid")) == paid
    refused(m.post("/v1/withdrawals/w-2/reject"), 409, "withdrawal.state", "R-5.2")
    refused(m.post("/v1/withdrawals/nope/approve"), 404, "withdrawal.not_found")
    assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {
        "settled": 6000,
        "withdrawn": 2000,
        "withdrawable": 6000,
    }


def test_r5_3_a_batch_is_confirmed_all_or_nothing(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    for did in ("D1", "D2"):
        distributor(m, did)
        earn(m, did, 5000)
    for wid, did in (("w-1", "D1"), ("w-2", "D2"), ("w-3", "D2")):
        withdraw(m, did, 1000, id=wid)
    approved = ok(m.post("/v1/withdrawals/approve", json={"ids": ["w-1", "w-2"]}))
    assert [w["status"] for w in approved["items"]] == ["approved", "approved"]

    # w-3 is only requested: nothing of the batch moves
    err = refused(
        m.post("/v1/withdrawals/paid", json={"ids": ["w-1", "w-2", "w-3"]}),
        409,
        "withdrawal.state",
        "R-5.2",
    )
    assert err["status"] == "requested"
    refused(
        m.post("/v1/withdrawals/paid", json={"ids": ["w-1", "nope"]}), 404, "withdrawal.not_found"
    )
    listed = get(m, "/v1/withdrawals", status="approved")
    assert [w["id"] for w in listed["items"]] == ["w-1", "w-2"]
    refused(m.post("/v1/withdrawals/paid", json={"ids": []}), 422, "request.invalid")

    paid = ok(m.post("/v1/withdrawals/paid", json={"ids": ["w-1", "w-2"]}))
    assert {w["status"] for w in paid["items"]} == {"paid"}
    assert get(m, "/v1/withdrawals", status="approved")["items"] == []
    assert [w["id"] for w in get(m, "/v1/withdrawals", status="paid")["items"]] == ["w-1", "w-2"]
    assert balances(m, "D2")["withdrawn"] == 1000 and balances(m, "D2")["requested"] == 1000


def test_withdrawal_lists_page_and_filter(make_shop: MakeShop) -> None:
    m = make_shop({"withdrawal": {"max_count": 10}}).merchant
    distributor(m, "D")
    distributor(m, "E")
    earn(m, "D", 5000)
    earn(m, "E", 5000)
    for i in range(5):
        withdraw(m, "D", 100 + i, id=f"w-d{i}")
    withdraw(m, "E", 100, id="w-e")
    page = get(m, "/v1/withdrawals", limit=2, distributor_id="D")
    assert [w["id"] for w in page["items"]] == ["w-d0", "w-d1"]
    page = get(m, "/v1/withdrawals", limit=2, distributor_id="D", cursor=page["next_cursor"])
    assert [w["id"] for w in page["items"]] == ["w-d2", "w-d3"]
    page = get(m, "/v1/withdrawals", limit=2, distributor_id="D", cursor=page["next_cursor"])
    assert ([w["id"] for w in page["items"]], page["next_cursor"]) == (["w-d4"], None)
    assert len(get(m, "/v1/withdrawals")["items"]) == 6
    # a file export carries every match, not one page; with limit it is one page
    r = m.get("/v1/withdrawals", params={"format": "csv"})
    assert r.headers["content-disposition"] == "attachment; filename=withdrawals-all.csv"
    assert [row["withdrawal_id"] for row in csv_rows(r)] == [f"w-d{i}" for i in range(5)] + ["w-e"]
    r = m.get("/v1/withdrawals", params={"format": "xlsx", "limit": 4})
    assert [row["withdrawal_id"] for row in xlsx_rows(r)] == [f"w-d{i}" for i in range(4)]
    rest = m.get("/v1/withdrawals", params={"format": "csv", "cursor": r.headers["x-next-cursor"]})
    assert [row["withdrawal_id"] for row in csv_rows(rest)] == ["w-d4", "w-e"]
    assert csv_rows(m.get("/v1/withdrawals", params={"format": "csv", "status": "paid"})) == []
    refused(m.get("/v1/withdrawals", params={"format": "pdf"}), 422, "request.invalid")
    refused(m.get("/v1/withdrawals", params={"status": "done"}), 422, "request.invalid")


# -- tax ------------------------------------------------------------------------------------
def test_r5_4_tax_is_withheld_as_its_own_entry(make_shop: MakeShop) -> None:
    m = make_shop({"tax_bp": 2000}).merchant
    distributor(m, "D")
    earn(m, "D", 20_000)
    w = withdraw(m, "D", 12_345, id="w-1", holder="王五")
    assert (w["amount_fen"], w["tax_fen"], w["net_fen"]) == (12_345, 2469, 9876)
    assert entries(m, "D") == [
        ("w-1:tax", "tax", -2469, "requested"),
        ("w-1", "withdrawal", -9876, "requested"),
        ("o-D-x:r0:t1", "reward", 20_000, "settled"),
    ]
    assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {
        "settled": 20_000 - 12_345,
        "requested": 9876,
        "withdrawable": 7655,
    }
    # rejection returns both the net and the tax (W-5)
    ok(m.post("/v1/withdrawals/w-1/reject"))
    assert entries(m, "D")[:2] == [
        ("w-1:tax", "tax", -2469, "rejected"),
        ("w-1", "withdrawal", -9876, "rejected"),
    ]
    assert balances(m, "D")["settled"] == 20_000

    withdraw(m, "D", 10_000, id="w-2")
    ok(m.post("/v1/withdrawals/w-2/approve"))
    [row] = csv_rows(m.get("/v1/withdrawals", params={"status": "approved", "format": "csv"}))
    assert (row["amount_fen"], row["tax_fen"], row["net_fen"]) == ("10000", "2000", "8000")
    assert (row["amount_yuan"], row["net_yuan"]) == ("100.00", "80.00")
    ok(m.post("/v1/withdrawals/paid", json={"ids": ["w-2"]}))
    assert entries(m, "D")[:2] == [
        ("w-2:tax", "tax", -2000, "paid"),
        ("w-2", "withdrawal", -8000, "paid"),
    ]
    assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {
        "settled": 10_000,
        "withdrawn": 8000,  # the tax is final, and counted in no balance
        "withdrawable": 10_000,
    }


# -- roles ----------------------------------------------------------------------------------------
def test_roles_decide_who_moves_money(make_shop: MakeShop) -> None:
    s = make_shop()
    m, analyst = s.merchant, s.analyst
    distributor(m, "D")
    distributor(m, "E")
    earn(m, "D", 5000)
    earn(m, "E", 5000)
    d = s.client("distributor", "D")

    # a distributor key reads its own ledger only
    assert balances(d, "D")["withdrawable"] == 5000
    refused(d.get("/v1/distributors/E/ledger"), 403, "auth.forbidden")
    assert balances(analyst, "E")["withdrawable"] == 5000
    # ... requests its own withdrawals only
    mine = withdraw(d, "D", 1000, id="w-d", holder="张三")
    assert (mine["account"], mine["account_masked"]) == (None, "************7890")
    refused(
        d.post(
            "/v1/withdrawals",
            json={"distributor_id": "E", "amount_fen": 1000, "method": "bank", "account": "6222"},
        ),
        403,
        "auth.forbidden",
    )
    withdraw(m, "E", 1000, id="w-e")
    # ... and sees its own only, account masked, in every format
    assert [w["id"] for w in get(d, "/v1/withdrawals")["items"]] == ["w-d"]
    refused(d.get("/v1/withdrawals", params={"distributor_id": "E"}), 403, "auth.forbidden")
    # another's withdrawal answers as an unknown id does: a 403 would tell which ids exist
    assert refused(d.get("/v1/withdrawals/w-e"), 404, "withdrawal.not_found") == {
        **refused(d.get("/v1/withdrawals/w-none"), 404, "withdrawal.not_found"),
        "message": "no withdrawal w-e",
    }
    assert get(d, "/v1/withdrawals/w-d")["account"] is None
    [row] = csv_rows(d.get("/v1/withdrawals", params={"format": "csv"}))
    assert (row["withdrawal_id"], row["account"], row["account_masked"]) == (
        "w-d",
        "",
        "************7890",
    )
    for path in ("/v1/withdrawals/w-d/approve", "/v1/withdrawals/paid"):
        refused(
            d.post(path, json={"ids": ["w-d"]} if "paid" in path else None), 403, "auth.forbidden"
        )

    # the analyst reads everything, accounts masked, and moves nothing
    assert [w["account"] for w in get(analyst, "/v1/withdrawals")["items"]] == [None, None]
    refused(analyst.post("/v1/withdrawals/w-d/approve"), 403, "auth.forbidden")
    refused(analyst.post("/v1/withdrawals/approve", json={"ids": ["w-d"]}), 403, "auth.forbidden")
    refused(
        analyst.post(
            "/v1/withdrawals",
            json={"distributor_id": "D", "amount_fen": 1000, "method": "bank", "account": "6222"},
        ),
        403,
        "auth.forbidden",
    )
    # orders and products are the merchant's; the analyst reads orders
    assert get(analyst, "/v1/orders/o-D-x")["attributed_to"] == "D"
    refused(d.get("/v1/orders/o-D-x"), 403, "auth.forbidden")
    refused(analyst.post("/v1/orders/o-D-x/complete"), 403, "auth.forbidden")
    refused(
        d.post("/v1/products", json={"id": "p", "name": "p", "price_fen": 1}), 403, "auth.forbidden"
    )
    refused(
        d.post("/v1/orders", json={"id": "o", "customer_id": "D", "lines": [line("p", 1)]}),
        403,
        "auth.forbidden",
    )
    refused(httpx.get(f"{s.url}/v1/withdrawals"), 401, "auth.missing_key")
    assert get(m, "/v1/withdrawals/w-d")["account"] == "6222021234567890"
    assert balances(m, "D")["requested"] == 1000


# -- bad input, no partial writes -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "code", "rule"),
    [
        ({"lines": [line("p", 12.5)]}, "request.invalid", "R-3.9"),
        ({"lines": [line("p", 1000, split_fen=99.9)]}, "request.invalid", "R-3.9"),
        ({"lines": [line("p", "1000")]}, "request.invalid", "R-3.9"),
        ({"lines": [line("p", True)]}, "request.invalid", "R-3.9"),
        ({"lines": [line("p", 10**13)]}, "request.invalid", None),
        ({"lines": [line("p", 1000, qty=1.0)]}, "request.invalid", None),
        ({"lines": [{"product_id": "p", "qty": 1}]}, "request.invalid", None),
        ({"lines": None}, "request.invalid", None),
        ({"lines": ...}, "request.invalid", None),  # no lines at all
        ({"customer_id": ...}, "request.invalid", None),
        ({"lines": []}, "order.lines", None),
        ({"lines": [line("p", -1)]}, "order.line", "R-3.9"),
        ({"lines": [line("p", 1000, qty=0)]}, "order.line", "R-3.4"),
        ({"lines": [line("p", 1000, split_fen=1001)]}, "order.line", "R-3.2"),
        ({"lines": [line("p", 1000, cost_fen=-1)]}, "order.line", "R-3.8"),
        ({"lines": [line("p", 1000), line("q", 1000, qty=-2)]}, "order.line", "R-3.4"),
        ({"paid_at": "yesterday"}, "time.invalid", None),
        ({"paid_at": now_ms() + DAY}, "time.future", None),
        ({"id": "O:1"}, "request.invalid", None),
        ({"total_fen": 1000}, "request.invalid", None),
    ],
)
def test_bad_orders_are_422_and_write_nothing(
    make_shop: MakeShop, body: dict[str, Any], code: str, rule: str | None
) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    visit(m, "X", "D")
    event = {"id": "O", "customer_id": "X", "lines": [line("p", 1000)]} | body
    event = {k: v for k, v in event.items() if v is not ...}  # ... drops the field
    refused(m.post("/v1/orders", json=event), 422, code, rule)
    refused(m.get(f"/v1/orders/{event['id']}"), 404, "order.not_found")
    assert entries(m, "D") == []
    assert get(m, "/v1/distributors/D")["paid_orders"] == 0


def test_unknown_ids_and_refused_refunds_write_nothing(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    visit(m, "X", "D")
    refused(
        m.post("/v1/orders", json={"id": "O", "customer_id": "NOBODY", "lines": [line("p", 1)]}),
        404,
        "customer.not_found",
    )
    refused(m.get("/v1/orders/O"), 404, "order.not_found")
    refused(m.post("/v1/orders/O/complete"), 404, "order.not_found")
    refused(
        m.post("/v1/orders/O/refunds", json={"id": "R", "amount_fen": 1}), 404, "order.not_found"
    )
    refused(m.get("/v1/distributors/NOBODY/ledger"), 404, "distributor.not_found")

    # an unknown product is fine: it has no own setting, the level default applies
    view = order(m, "O", "X", [line("never-seen", 1000)])
    assert paid_by(view) == [("D", 1, 100)]
    book = entries(m, "D")
    for amount, code in ((1001, "refund.too_much"), (0, "refund.amount"), (-5, "refund.amount")):
        refused(
            m.post("/v1/orders/O/refunds", json={"id": "R", "amount_fen": amount}),
            422,
            code,
            "R-3.11",
        )
    err = refused(
        m.post("/v1/orders/O/refunds", json={"id": "R", "amount_fen": 0.5}),
        422,
        "request.invalid",
        "R-3.9",
    )
    assert err["field"] == "amount_fen"
    refused(m.post("/v1/orders/O/refunds", json={"id": "R"}), 422, "request.invalid")
    assert entries(m, "D") == book
    assert get(m, "/v1/orders/O")["refunded_fen"] == 0
    refused(m.get("/v1/distributors/D/ledger", params={"cursor": "nope"}), 422, "request.cursor")

    # a completion before the payment would settle early
    paid = ms(view["paid_at"])
    refused(m.post("/v1/orders/O/complete", json={"at": paid - 1}), 422, "order.complete_at")
    assert get(m, "/v1/orders/O")["completed_at"] is None


@pytest.mark.parametrize(
    ("body", "code", "rule"),
    [
        ({"reward_bp": 500, "reward_fen": 100}, "product.reward", "R-3.2"),
        ({"reward_bp": 5001}, "product.rate_cap", "R-3.3"),
        ({"reward_bp": 4800}, "product.rate_cap", "R-3.3"),  # + 300 bp inviter > 50%
        ({"reward_bp": -1}, "product.reward", None),
        ({"reward_bp": 12.5}, "request.invalid", "R-3.9"),
        ({"price_fen": 99.99}, "request.invalid", "R-3.9"),
        ({"price_fen": -1}, "request.invalid", None),
        ({"cost_fen": "5"}, "request.invalid", "R-3.9"),
        ({"name": ""}, "request.invalid", None),
    ],
)
def test_bad_products_are_422(
    make_shop: MakeShop, body: dict[str, Any], code: str, rule: str | None
) -> None:
    m = make_shop().merchant
    product = {"id": "P", "name": "茶", "price_fen": 1000} | body
    refused(m.post("/v1/products", json=product), 422, code, rule)


def test_a_product_is_replaced_as_a_whole(make_shop: MakeShop) -> None:
    fixed = {"reward_basis": "fixed", "levels": [{"level": 1, "name": "L1", "reward_fen": 50}]}
    mm = make_shop(fixed).merchant
    p = {"id": "P", "name": "茶", "price_fen": 1000, "cost_fen": 600, "reward_fen": 120}
    assert ok(mm.post("/v1/products", json=p)) == p | {"reward_bp": None}
    distributor(mm, "D")
    visit(mm, "X", "D")
    assert paid_by(order(mm, "O1", "X", [line("P", 2000, qty=2)])) == [("D", 1, 240)]
    changed = {"id": "P", "name": "茶", "price_fen": 900}
    assert ok(mm.post("/v1/products", json=changed)) == changed | {
        "cost_fen": None,
        "reward_bp": None,
        "reward_fen": None,
    }
    assert paid_by(order(mm, "O2", "X", [line("P", 2000, qty=2)])) == [("D", 1, 100)]


def test_m5_points_are_their_own_unit(make_shop: MakeShop) -> None:
    points = {"reward_kind": "points", "reward_basis": "fixed"}
    levels = [{"level": 1, "name": "L1", "reward_fen": 5, "inviter_reward_fen": 2}]
    m = make_shop(points | {"levels": levels}).merchant
    distributor(m, "UP")
    visit(m, "D", "UP")
    ok(m.post("/v1/distributors", json={"customer_id": "D"}), 201)
    visit(m, "X", "D")
    view = order(m, "O", "X", [line("p", 10_000, qty=3)])
    assert [(r["distributor_id"], r["amount"], r["unit"]) for r in view["rewards"]] == [
        ("D", 15, "point"),
        ("UP", 6, "point"),
    ]
    back = refund(m, "O", "R", 10_000)
    assert [(c["amount"], c["unit"]) for c in back["clawbacks"]] == [(-15, "point"), (-6, "point")]
    assert entries(m, "D") == [
        ("R:O:r0:t1", "clawback", -15, "pending"),
        ("O:r0:t1", "reward", 15, "pending"),
    ]
    order(m, "O2", "X", [line("p", 100)])
    assert balances(m, "D") == dict.fromkeys(BALANCES, 0) | {"points": 5}  # never fen


def test_exports_format_yuan_without_floats_and_neutralise_formulas() -> None:
    assert [exports.yuan(f) for f in (0, 5, 1234, 100_000, -5, -1234)] == [
        "0.00",
        "0.05",
        "12.34",
        "1000.00",
        "-0.05",
        "-12.34",
    ]
    with pytest.raises(TypeError):
        exports.yuan(12.5)  # type: ignore[arg-type]
    header = ["name", "account"]
    rows: list[list[exports.Cell]] = [["=HYPERLINK(1)", "+8613800000000"], ["张三", 7]]
    text = exports.csv_bytes(header, rows).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        header,
        ["'=HYPERLINK(1)", "'+8613800000000"],  # an account is guarded like any text
        ["张三", "7"],
    ]
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(header, rows, sheet="t")))
    cells = [[c.value for c in r] for r in book.active.iter_rows()]
    assert cells == [header, ["=HYPERLINK(1)", "+8613800000000"], ["张三", 7]]
    assert book.active["A2"].data_type == "s"  # text, not a formula


def test_the_withdrawal_downloads_write_formulas_inert(make_shop: MakeShop) -> None:
    """X-1..X-3 over HTTP: withdrawal ids (an event id may start with ``=``, ``@``, ``+`` or
    ``-``) come out prefixed in CSV and as text cells in xlsx."""
    m = make_shop({"withdrawal": {"max_count": 10}}).merchant
    distributor(m, "D")
    earn(m, "D", 10_000)
    for text in FORMULAS:
        withdraw(m, "D", 1000, id=text, holder="张三")
    r = m.get("/v1/withdrawals", params={"format": "csv"})
    assert {row["withdrawal_id"] for row in csv_rows(r)} == {"'" + t for t in FORMULAS}
    assert_inert_csv(r.content)
    r = m.get("/v1/withdrawals", params={"format": "xlsx"})
    assert {row["withdrawal_id"] for row in xlsx_rows(r)} == set(FORMULAS)
    assert_inert_xlsx(r.content)


ACCOUNT_FORMULAS = ("+1+1", "=cmd|' /C calc'!A0", "@SUM(1)", "-1", "-1+1", "-1234")
"""Accounts a spreadsheet would run (``-1234`` would be read as a negative number)."""


def test_x4_no_account_the_api_takes_starts_a_formula(make_shop: MakeShop) -> None:
    m = make_shop({"withdrawal": {"max_count": 10}}).merchant
    distributor(m, "D")
    earn(m, "D", 10_000)
    for account in (*ACCOUNT_FORMULAS, "+8613800000000", "-12345678"):
        body = {"distributor_id": "D", "amount_fen": 1000, "method": "bank", "account": account}
        refused(m.post("/v1/withdrawals", json=body), 422, "request.invalid", None)
    for account in ("6222021234567890", "c1@example.cn", "13800000000", "wx_id-1.a+b"):
        withdraw(m, "D", 1000, account=account)
    assert {row["account"] for row in csv_rows(m.get("/v1/withdrawals?format=csv"))} == {
        "6222021234567890",
        "c1@example.cn",
        "13800000000",
        "wx_id-1.a+b",
    }  # written exactly: the bank reads them


def test_x4_the_bank_file_writes_every_stored_account_inert(make_shop: MakeShop) -> None:
    """An account stored by another path (before the API refused them, or by a program using
    the Shop) that a spreadsheet would run comes out prefixed in CSV and as a quote-prefixed
    text cell, exactly, in xlsx."""
    s = make_shop({"withdrawal": {"max_count": 10}})
    m = s.merchant
    distributor(m, "D")
    earn(m, "D", 10_000)
    for i, account in enumerate(ACCOUNT_FORMULAS):
        s.shop.request_withdrawal("D", 1000, "bank", account, withdrawal_id=f"w{i}")
    r = m.get("/v1/withdrawals", params={"format": "csv"})
    assert {row["account"] for row in csv_rows(r)} == {"'" + a for a in ACCOUNT_FORMULAS}
    assert_inert_csv(r.content, ACCOUNT_FORMULAS)
    r = m.get("/v1/withdrawals", params={"format": "xlsx"})
    assert {row["account"] for row in xlsx_rows(r)} == set(ACCOUNT_FORMULAS)
    assert_inert_xlsx(r.content, ACCOUNT_FORMULAS)


def test_the_money_endpoints_are_documented(make_shop: MakeShop) -> None:
    s = make_shop()
    spec = httpx.get(f"{s.url}/openapi.json").json()
    for path, method in [
        ("/v1/products", "post"),
        ("/v1/orders", "post"),
        ("/v1/orders/{order_id}", "get"),
        ("/v1/orders/{order_id}/complete", "post"),
        ("/v1/orders/{order_id}/refunds", "post"),
        ("/v1/distributors/{distributor_id}/ledger", "get"),
        ("/v1/withdrawals", "post"),
        ("/v1/withdrawals", "get"),
        ("/v1/withdrawals/paid", "post"),
        ("/v1/withdrawals/{withdrawal_id}/approve", "post"),
        ("/v1/withdrawals/{withdrawal_id}/reject", "post"),
        ("/v1/withdrawals/{withdrawal_id}/paid", "post"),
    ]:
        assert method in spec["paths"][path], (path, method)
