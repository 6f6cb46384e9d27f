"""GET /v1/leaderboard over HTTP (docs/api.md "Team views and the ledger"; analytics U-2, U-5)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import ShopApi
from tests.shop import analytics_story as story
from tests.shop.conftest import DAY, T0


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
    assert body["me"] == {"rank": 2, "distributor_id": "B", "name": "B", "level": 1, "value": 1}
    assert body["items"][0] == {
        "rank": 1,
        "distributor_id": "A",
        "name": "A*",
        "level": 1,
        "value": 4,
    }


@pytest.mark.parametrize(
    "params",
    [{"period": "year"}, {"metric": "visits"}, {"level": 0}, {"at": "yesterday"}, {"limit": 0}],
)
def test_bad_choices_are_422(board_shop: ShopApi, params: dict) -> None:
    r = board_shop.merchant.get("/v1/leaderboard", params=params)
    assert r.status_code == 422, r.text
    assert "code" in r.json()["error"]


def test_no_key_is_401(board_shop: ShopApi) -> None:
    import httpx

    assert httpx.get(f"{board_shop.url}/v1/leaderboard").status_code == 401
