"""GET /v1/analytics/overview, /channels and /cohorts over HTTP (issue 17; docs/api.md
"Analytics"): the reports of tests/shop/reports_story.py as JSON and as CSV / xlsx downloads
with numbers as numbers and one English header row, periods in the shop's time zone."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from openpyxl import load_workbook

from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.api.conftest import Api, ShopApi
from tests.conftest import new_shop_id
from tests.shop import reports_story as story
from tests.shop.conftest import DAY, T0


@pytest.fixture(scope="module")
def reports(engine: Engine, api: Api) -> Iterator[ShopApi]:
    """The story shop, built once per engine (the tests only read)."""
    s = ShopApi(api.url, Shop.create(engine, new_shop_id("rapi"), story.SETTINGS, now=T0))
    story.build(s.shop)
    yield s
    s.close()


def _csv(r: httpx.Response) -> list[list[str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def _xlsx(r: httpx.Response) -> list[tuple[object, ...]]:
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_overview_takes_days_in_the_shop_zone_and_answers_the_nested_funnel(
    reports: ShopApi,
) -> None:
    """from/to as YYYY-MM-DD are midnights in Asia/Shanghai; the funnel is U-10's."""
    r = reports.merchant.get(
        "/v1/analytics/overview", params={"from": "2026-01-01", "to": "2026-01-04"}
    )
    assert r.status_code == 200, r.text
    o = r.json()
    assert (o["starts_at"], o["ends_at"]) == (
        "2026-01-01T00:00:00.000+08:00",
        "2026-01-04T00:00:00.000+08:00",
    )
    assert o["funnel"] == {"visitors": 6, "bound": 6, "ordered": 2, "repeat": 1}
    assert (o["visits"], o["sales_fen"], o["commission_fen"]) == (7, 16_000, 1_720)
    assert [d["day"] for d in o["daily"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    same = reports.analyst.get(
        "/v1/analytics/overview", params={"from": T0, "to": "2026-01-04T00:00:00"}
    )
    assert same.status_code == 200 and same.json() == o  # epoch ms; no offset: the shop's zone


def test_overview_csv_is_the_daily_rows_with_numbers(reports: ShopApi) -> None:
    r = reports.merchant.get(
        "/v1/analytics/overview", params={"from": T0, "to": T0 + 3 * DAY, "format": "csv"}
    )
    rows = _csv(r)
    assert rows[0] == ["day", "sales_fen", "orders", "commission_fen", "visits", "new_customers"]
    assert rows[1][:5] == ["2026-01-01", "10000", "1", "1000", "4"]
    assert len(rows) == 4


def test_channels_json_csv_and_xlsx_carry_the_same_figures(reports: ShopApi) -> None:
    params = {"from": T0, "to": T0 + 3 * DAY}
    r = reports.merchant.get("/v1/analytics/channels", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["channel"] for c in body["channels"]] == ["wechat", None, "poster"]
    wechat = body["channels"][0]
    assert (wechat["orders"], wechat["sales_fen"], wechat["commission_fen"]) == (3, 16_000, 1_720)
    assert wechat["cost_bp"] == 1_075
    assert [lv["level"] for lv in body["levels"]] == [1, 2]
    rows = _csv(reports.merchant.get("/v1/analytics/channels", params=params | {"format": "csv"}))
    assert rows[0] == ["by", "channel", "level", "visits", "bindings", "orders", "sales_fen",
                       "commission_fen", "cost_bp", "binding_bp"]  # fmt: skip
    assert rows[1] == ["channel", "wechat", "", "3", "2", "3", "16000", "1720", "1075", "6666"]
    assert rows[2][:2] == ["channel", ""]  # no channel: an empty cell
    assert rows[4][:3] == ["level", "", "1"] and rows[-1][0] == "total"
    sheet = _xlsx(
        reports.merchant.get("/v1/analytics/channels", params=params | {"format": "xlsx"})
    )
    assert sheet[0] == tuple(rows[0])
    assert sheet[1] == ("channel", "wechat", None, 3, 2, 3, 16_000, 1_720, 1_075, 6_666)
    assert sheet[-1][0] == "total" and sheet[-1][6] == 16_000  # numbers, not text


def test_cohorts_json_and_xlsx(reports: ShopApi) -> None:
    """The server's clock is now (long after the story): every started window is over."""
    params = {"from": "2026-01-01", "to": "2026-03-01"}
    r = reports.analyst.get("/v1/analytics/cohorts", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["window_days"] == 30
    assert [(c["month"], c["distributors"]) for c in body["cohorts"]] == [
        ("2026-01", 2),
        ("2026-02", 1),
    ]
    jan = body["cohorts"][0]["windows"]
    assert [(w["active_bp"], w["sales_fen"], w["commission_fen"], w["complete"]) for w in jan] == [
        (10_000, 16_000, 1_720, True),
        (5_000, 3_000, 300, True),
        (0, 0, 0, True),
    ]
    sheet = _xlsx(reports.merchant.get("/v1/analytics/cohorts", params=params | {"format": "xlsx"}))
    assert sheet[0] == ("month", "distributors", "window", "started", "complete", "active",
                        "active_bp", "sales_fen", "commission_fen")  # fmt: skip
    assert sheet[1] == ("2026-01", 2, 1, 2, True, 2, 10_000, 16_000, 1_720)
    assert len(sheet) == 1 + 2 * 3


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("overview", {"from": "2026-01-05", "to": "2026-01-01"}, "analytics.period"),
        ("channels", {"from": "2025-01-01", "to": "2026-06-01"}, "analytics.period"),
        ("cohorts", {"from": "yesterday"}, "time.invalid"),
    ],
)
def test_a_bad_period_is_refused_with_its_code(
    reports: ShopApi, path: str, params: dict[str, str], code: str
) -> None:
    r = reports.merchant.get(f"/v1/analytics/{path}", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code


def test_a_distributor_key_may_not_read_the_shop_reports(reports: ShopApi) -> None:
    r = reports.client("distributor", "A").get("/v1/analytics/channels")
    assert r.status_code == 403
