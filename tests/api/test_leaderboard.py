"""GET /v1/leaderboard over HTTP (docs/api.md "Team views and the ledger"; analytics U-2, U-5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.api.conftest import ShopApi
from tests.shop import analytics_story as story
from tests.shop.conftest import DAY, HOUR, T0


@pytest.fixture
def board_shop(make_shop: Callable[..., ShopApi]) -> ShopApi:
    s = make_shop(story.SETTINGS)
    story.build(s.shop)
    return s


def test_leaderboard_ranks_sales_of_the_week_with_its_bounds(board_shop: ShopApi) -> None:
    r = board_shop.merchant.get(
        "/v1/leaderboard", params={"period": "week", "metric": "sales", "at": T0}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["period"], body["metric"], body["unit"], body["level"]) == (
        "week",
        "sales",
        "fen",
        None,
    )
    assert body["starts_at"] == "2025-12-29T00:00:00.000+08:00"  # the Monday, shop time
    assert body["ends_at"] == "2026-01-05T00:00:00.000+08:00"
    assert [(i["rank"], i["distributor_id"], i["name"], i["value"]) for i in body["items"]] == [
        (1, "A", "A", 10_000),
        (2, "B", "B", 4_000),
    ]
    assert body["groups"] == [{"level": 1, "items": body["items"]}]
    assert body["me"] is None


def test_leaderboard_takes_an_iso_time_a_metric_and_a_level(board_shop: ShopApi) -> None:
    board_shop.shop.set_level("B", 2, now=T0 + 2 * DAY)
    r = board_shop.analyst.get(
        "/v1/leaderboard",
        params={
            "period": "day",
            "metric": "commission",
            "at": "2026-01-02T12:00:00+08:00",
            "level": 2,
        },
    )
    assert r.status_code == 200, r.text
    assert [(i["distributor_id"], i["level"], i["value"]) for i in r.json()["items"]] == [
        ("B", 2, 400)
    ]
    clients = board_shop.merchant.get(
        "/v1/leaderboard", params={"period": "month", "metric": "clients", "at": T0}
    ).json()
    assert clients["unit"] == "clients"
    assert [(g["level"], [i["distributor_id"] for i in g["items"]]) for g in clients["groups"]] == [
        (2, ["B"]),
        (1, ["A"]),
    ]


def test_a_distributor_sees_its_rank_and_others_masked(board_shop: ShopApi) -> None:
    board_shop.shop.create_customer("C", name="陈小明")
    board_shop.shop.visit("C", "A", at=T0 + 6 * 3_600_000)
    board_shop.shop.apply("C")
    r = board_shop.client("distributor", "B").get(
        "/v1/leaderboard", params={"period": "month", "metric": "clients", "at": T0}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    me = {"rank": 2, "distributor_id": "B", "name": "B", "level": 1, "value": 1, "you": True}
    assert body["me"] == me
    assert body["items"] == [
        {"rank": 1, "distributor_id": None, "name": "A*", "level": 1, "value": 4, "you": False},
        me,
    ]


# -- U-9: the board as a distributor sees it -------------------------------------------------
PEOPLE = {"d-zhang-0001": "张三丰", "d-li-0002": "李四", "d-wang-0003": "王五"}
"""Ids and names that must not reach another distributor whole."""


@pytest.fixture
def people(make_shop: Callable[..., ShopApi]) -> ShopApi:
    """Three distributors with 3, 2 and 1 new clients in January 2026; 李四 at level 2."""
    s = make_shop(story.SETTINGS)
    for did, name in PEOPLE.items():
        s.shop.create_customer(did, name=name, now=T0)
        s.shop.apply(did, now=T0)
    for n, did in zip((3, 2, 1), PEOPLE, strict=True):
        for i in range(n):
            s.shop.visit(f"c-{did}-{i}", did, at=T0 + HOUR + i)
    s.shop.set_level("d-li-0002", 2, now=T0 + 2 * HOUR)
    return s


def _board(client: httpx.Client, **params: object) -> dict[str, Any]:
    r = client.get("/v1/leaderboard", params={"metric": "clients", "at": T0, **params})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_u9_a_distributor_sees_its_own_row_whole_and_no_other_id_or_name(people: ShopApi) -> None:
    client = people.client("distributor", "d-li-0002")
    r = client.get("/v1/leaderboard", params={"metric": "clients", "at": T0})
    body = r.json()
    me = {"rank": 2, "distributor_id": "d-li-0002", "name": "李四", "level": 2, "value": 2}
    me |= {"you": True}
    assert body["me"] == me
    assert body["items"] == [
        {"rank": 1, "distributor_id": None, "name": "张*", "level": 1, "value": 3, "you": False},
        me,
        {"rank": 3, "distributor_id": None, "name": "王*", "level": 1, "value": 1, "you": False},
    ]
    assert body["groups"] == [  # ranked within each level (U-5)
        {"level": 2, "items": [me | {"rank": 1}]},
        {"level": 1, "items": [body["items"][0], body["items"][2] | {"rank": 2}]},
    ]
    for other in ("d-zhang-0001", "张三丰", "d-wang-0003", "王五"):
        assert other not in r.text  # nowhere in the answer, whole


def test_u9_me_is_ranked_among_all_even_below_the_limit(people: ShopApi) -> None:
    body = _board(people.client("distributor", "d-wang-0003"), limit=1)
    assert [(i["rank"], i["distributor_id"], i["name"]) for i in body["items"]] == [
        (1, None, "张*")
    ]
    assert body["me"] == {
        "rank": 3,
        "distributor_id": "d-wang-0003",
        "name": "王五",
        "level": 1,
        "value": 1,
        "you": True,
    }


def test_u9_a_distributor_off_the_board_sees_every_row_masked(people: ShopApi) -> None:
    off_level = _board(people.client("distributor", "d-li-0002"), level=1)
    assert off_level["me"] is None
    assert [(i["distributor_id"], i["name"]) for i in off_level["items"]] == [
        (None, "张*"),
        (None, "王*"),
    ]
    nothing_yet = _board(people.client("distributor", "d-zhang-0001"), period="day", at=T0 + DAY)
    assert (nothing_yet["me"], nothing_yet["items"]) == (None, [])


@pytest.mark.parametrize("role", ["merchant", "analyst"])
def test_u9_merchant_and_analyst_keys_see_every_row_whole(people: ShopApi, role: str) -> None:
    body = _board(people.client(role))
    rows = [body["items"], *(g["items"] for g in body["groups"])]
    assert [(i["distributor_id"], i["name"]) for i in body["items"]] == list(PEOPLE.items())
    assert not any(i["you"] for items in rows for i in items)
    assert body["me"] is None


@pytest.mark.parametrize(
    "params",
    [{"period": "year"}, {"metric": "visits"}, {"level": 0}, {"at": "yesterday"}, {"limit": 0}],
)
def test_bad_choices_are_422(board_shop: ShopApi, params: dict) -> None:
    r = board_shop.merchant.get("/v1/leaderboard", params=params)
    assert r.status_code == 422, r.text
    assert "code" in r.json()["error"]


def test_no_key_is_401(board_shop: ShopApi) -> None:
    assert httpx.get(f"{board_shop.url}/v1/leaderboard").status_code == 401
