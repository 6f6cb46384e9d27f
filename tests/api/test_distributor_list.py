"""``GET /v1/distributors`` (issue 17: it answered 405, so an integrator found distributor ids
only through rings or the leaderboard): the UI grid's list over the API, paged with a cursor,
filtered by status (as read, R-2.1), level and search, sorted; downloads with numbers as
numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.api.conftest import ShopApi
from tests.api.test_money import earn
from tests.api.test_relationships import distributor, get, ok, refused, visit

MakeShop = Any
LEVELS = [
    {"level": 1, "name": "推广员", "reward_bp": 1000},
    {"level": 2, "name": "银牌", "reward_bp": 1200, "conditions": {"bound_customers": 100}},
]


def listed(m: httpx.Client, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every item, following ``next_cursor``; each page also counts every match (``total``)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = get(m, path, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        assert set(page) == {"items", "next_cursor", "total"} and len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            assert len(items) == page["total"]
            return items


@pytest.fixture
def shop(make_shop: MakeShop) -> ShopApi:
    """Five distributors: A with three clients and sales, B with one client, C frozen, D at
    level 2, 王五 named."""
    s: ShopApi = make_shop({"levels": LEVELS})
    m = s.merchant
    for did in ("A", "B", "C", "D"):
        distributor(m, did)
    distributor(m, "W", name="王五")
    for cid in ("a1", "a2"):
        visit(m, cid, "A")
    visit(m, "b1", "B")
    earn(m, "A", 1234)
    ok(m.post("/v1/distributors/C/freeze", json={"reason": "test"}))
    ok(m.put("/v1/distributors/D/level", json={"level": 2}))
    return s


def test_the_merchant_lists_every_distributor_page_by_page(shop: ShopApi) -> None:
    m = shop.merchant
    first = get(m, "/v1/distributors", limit=2)
    assert first["total"] == 5 and len(first["items"]) == 2 and first["next_cursor"]
    assert first["items"][0]["id"] == "A"  # the most sales first (the default sort)
    assert first["items"][0]["received_fen"] == 12340 and first["items"][0]["direct_clients"] == 3
    every = listed(m, "/v1/distributors", limit=2)
    assert sorted(d["id"] for d in every) == ["A", "B", "C", "D", "W"]
    assert [d["id"] for d in listed(m, "/v1/distributors", limit=1, sort="id")] == sorted(
        d["id"] for d in every
    )
    by_clients = [d["id"] for d in listed(m, "/v1/distributors", limit=2, sort="clients")]
    assert by_clients[:2] == ["A", "B"]


def test_r2_1_filters_by_status_level_and_search(shop: ShopApi) -> None:
    m = shop.merchant

    def ids(**params: Any) -> list[str]:
        return sorted(d["id"] for d in get(m, "/v1/distributors", **params)["items"])

    assert ids(status="frozen") == ["C"]
    assert ids(status=["frozen", "active"]) == ["A", "B", "C", "D", "W"]
    assert ids(level=2) == ["D"]
    assert ids(search="王") == ["W"] and ids(search="a") == ["A"]
    assert get(m, "/v1/distributors", status="dormant")["total"] == 0
    refused(m.get("/v1/distributors", params={"status": "sleeping"}), 422, "request.invalid")
    for bad in ({"level": 0}, {"search": "a\x00b"}, {"search": ""}, {"sort": "name"}):
        refused(m.get("/v1/distributors", params=bad), 422, "request.invalid")


def test_a_cursor_is_tied_to_its_sort(shop: ShopApi) -> None:
    m = shop.merchant
    cursor = get(m, "/v1/distributors", limit=1, sort="team")["next_cursor"]
    refused(m.get("/v1/distributors", params={"cursor": cursor}), 422, "request.cursor")


def test_the_download_carries_numbers_as_numbers(shop: ShopApi) -> None:
    """One header row (the field names), fen and counts as numbers, never "¥12.34" text."""
    m = shop.merchant
    r = m.get("/v1/distributors", params={"format": "csv", "sort": "id"})
    assert r.status_code == 200 and "distributors.csv" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == ["A", "B", "C", "D", "W"]
    assert rows[0]["received_fen"] == "12340" and rows[0]["level"] == "1"
    x = m.get("/v1/distributors", params={"format": "xlsx", "sort": "id"})
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    header = list(table[0])
    assert header[0] == "id" and "received_fen" in header
    assert table[1][header.index("received_fen")] == 12340
    assert table[1][header.index("direct_clients")] == 3
