"""Each page's content functions (what its callbacks return) over a real shop on the embedded
engine: the story of tests/ui/story.py. No browser: components are searched by id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from dash.development.base_component import Component

from teamgraph.clock import now_ms
from teamgraph.dashboards.i18n import EN, ZH, t, when
from teamgraph.errors import Conflict, NotFound
from teamgraph.graph import Engine
from teamgraph.shop import Actor, Principal, Shop
from tests.conftest import new_shop_id
from tests.ui import story


@pytest.fixture(scope="module")
def shop(engine: Engine) -> Iterator[Shop]:
    s = Shop.create(engine, new_shop_id("ui"), story.SETTINGS)
    story.populate(s)
    yield s
    s.store.drop()


@pytest.fixture(scope="module")
def pages(dash_app: object) -> Any:
    from teamgraph.dashboards import pages

    return pages


def find(tree: Any, id: str) -> Component:
    """The component with ``id`` anywhere in ``tree`` (a component or lists of them)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif isinstance(node, Component):
            if getattr(node, "id", None) == id:
                return node
            for attr in ("children", "body"):
                child = getattr(node, attr, None)
                if child is not None:
                    stack.append(child)
    raise AssertionError(f"no component {id!r}")


def text(node: Any) -> str:
    if isinstance(node, list | tuple):
        return "".join(text(n) for n in node)
    if isinstance(node, Component):
        return text(getattr(node, "children", None))
    return "" if node is None else str(node)


def test_overview_shows_the_month_of_activity(shop: Shop, pages: Any) -> None:
    from teamgraph.dashboards.pages import overview

    _, day = overview.body(shop, EN, 30, None)
    last = shop.last_order_at()
    assert last is not None and day == when(last, "Asia/Shanghai", time=False)  # U-7
    today = when(now_ms(), "Asia/Shanghai", time=False)
    body, _ = overview.body(shop, EN, 30, today)
    o = shop.overview(*overview.period(date.fromisoformat(today), 30, "Asia/Shanghai"))
    assert o["all_orders"] == shop.counts()["orders"] and o["visits"] == 40
    assert text(find(body, "kpi-orders")) == f"{o['orders']:,}"
    assert text(find(body, "kpi-sales")).startswith("¥")
    assert find(body, "trends-graph").figure.data[0].name == t("kpi.sales", EN)
    funnel = find(body, "funnel-graph").figure.data[0].x
    assert funnel[0] == o["funnel"]["visitors"] > 0 and list(funnel) == sorted(funnel)[::-1]


def test_distributor_rows_filter_and_open_a_team(shop: Shop, pages: Any) -> None:
    from teamgraph.dashboards.pages import distributors

    rows, total = distributors.rows_for(shop, ZH, None, None, None)
    assert len(rows) == total == 20
    sales = [r["received_fen"] for r in rows]
    assert sales == sorted(sales, reverse=True)  # by sales, highest first
    rows, total = distributors.rows_for(shop, ZH, story.TEAM_ID, None, None)
    assert [r["id"] for r in rows] == [story.TEAM_ID] and total == 1
    rows, _ = distributors.rows_for(shop, ZH, None, [2], None, "team")
    assert {r["level"] for r in rows} == {2}
    sizes = [r["team_size"] for r in rows]
    assert sizes == sorted(sizes, reverse=True)
    assert distributors.open_team({"colId": "id", "value": "c000007"}) == "/team?id=c000007"


def test_the_distributor_export_is_the_grid_as_shown(shop: Shop, pages: Any) -> None:
    import base64

    from teamgraph.dashboards.pages import distributors

    rows, _ = distributors.rows_for(shop, ZH, None, None, None)
    shown = rows[::-1][:3]  # the grid's own filter and sort
    sent = distributors.export(1, shown, rows, ZH)
    assert sent["filename"] == "distributors.csv"
    data = base64.b64decode(sent["content"]) if sent["base64"] else sent["content"].encode()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    lines = data.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [r["id"] for r in shown]
    everything = distributors.export(1, None, rows, ZH)  # before the grid reports its view
    assert len(base64.b64decode(everything["content"]).splitlines()) == len(rows) + 1


def test_team_view_has_tree_progress_earnings_and_lists(shop: Shop, pages: Any) -> None:
    from teamgraph.dashboards.pages import team

    view = team.team_view(shop, story.TEAM_ID, EN)
    tree = find(view, "team-tree")
    ids = {e["data"]["id"] for e in tree.elements if "source" not in e["data"]}
    assert story.TEAM_ID in ids and len(ids) == shop.distributor(story.TEAM_ID)["team_size"] + 1
    assert tree.layout["name"] == "dagre"
    progress = find(view, "progress-graph").figure
    assert [b.name for b in find(view, "earnings-graph").figure.data] == [
        "Pending", "Settled", "Withdrawn",
    ]  # fmt: skip
    assert len(progress.data[1].y) >= 1
    assert (
        len(find(view, "direct-grid").rowData) == shop.distributor(story.TEAM_ID)["direct_clients"]
    )
    assert find(view, "ledger-grid").rowData
    options = team.pick_options(shop, "c00000")
    assert 0 < len(options) <= team.OPTIONS


def test_team_view_shows_the_badges_bg1_bg2(shop: Shop, pages: Any) -> None:
    """Issue 17: the team page shows the shop's badges as the API derives them, held
    ones filled, in the page's language."""
    from teamgraph.dashboards.pages import team

    items = shop.badges(story.TEAM_ID)["items"]
    assert items
    for lang in (EN, ZH):
        view = team.team_view(shop, story.TEAM_ID, lang)
        row = find(view, "team-badges")
        assert t("team.badges", lang) in text(row)
        for b in items:
            badge = find(row, f"badge-{b['badge']}")
            assert text(badge) == t(f"badge.{b['badge']}", lang, threshold=b["threshold"])
            assert badge.color == ("warning" if b["earned"] else "light")


def test_expanding_a_node_adds_its_members(shop: Shop, pages: Any) -> None:
    from teamgraph.dashboards.pages import team

    deep = next(
        r
        for r in shop.distributor_table(sort="team")["items"]
        if r["invitees"] > 0 and r["team_size"] > 1
    )
    extra = team.expand_elements(shop, {"id": deep["id"], "team_size": deep["team_size"]}, EN)
    members = [e for e in extra if "source" not in e["data"]]
    assert len(members) == deep["invitees"]
    assert all(e["data"]["source"] == deep["id"] for e in extra if "source" in e["data"])


def test_rebinding_shows_in_the_history_and_the_audit(shop: Shop, pages: Any) -> None:
    from teamgraph.dashboards.pages import relationships

    before = shop.customer(story.CUSTOMER_ID)["binding"]["distributor_id"]
    target = "c000004" if before != "c000004" else "c000006"
    relationships.edit(
        shop,
        {"action": "rebind", "customer": story.CUSTOMER_ID, "to": target, "reason": "核实"},
        Actor("key_0123456789abcdef", "前台"),
    )
    view = relationships.customer_view(shop, story.CUSTOMER_ID, ZH)
    assert text(find(view, "rel-bound-to")) == target
    history = text(find(view, "rel-history"))
    assert target in history and before in history and t("end.merchant_rebind", ZH) in history
    audit = text(find(view, "rel-audit"))
    assert f"{before} → {target}" in audit and "核实" in audit and "前台" in audit
    with pytest.raises(NotFound):
        relationships.customer_view(shop, "nobody", ZH)


def test_leaderboard_groups_by_level(shop: Shop, pages: Any) -> None:
    from teamgraph.dashboards.pages import leaderboards

    body, _ = leaderboards.board_view(shop, EN, "month", "sales", None)
    graph = find(body, "lb-graph").figure
    assert graph.data[0].y[0].startswith("1. ")
    groups = find(body, "lb-groups").children
    assert len(groups) >= 2


def test_withdrawal_queue_and_a_move(shop: Shop, pages: Any) -> None:
    from teamgraph.dashboards.pages import withdrawals

    rows, summary = withdrawals.queue(shop, "requested", EN)
    assert [r["id"] for r in rows] == ["w0", "w1"] and summary.startswith("2 withdrawal")
    with pytest.raises(Conflict):  # a paid one cannot be approved again
        shop.move_withdrawals(["w3"], "reject")


def test_settings_save_shows_a_pending_mode_change(shop: Shop, pages: Any) -> None:
    from teamgraph.dashboards.pages import settings

    current = shop.settings()
    patch = settings.build_patch(
        current, settings.form_values(current) | {"attribution_mode": "sharer"}
    )
    new, _ = shop.update_settings(patch)
    assert new.pending is not None
    side = settings.side(shop.settings(), EN)
    assert "becomes “Sharer first”" in text(find(side, "set-pending"))


def test_ring_list_and_case(shop: Shop, pages: Any) -> None:
    from teamgraph.dashboards.pages import risk

    rows, count = risk.ring_list(shop, None, ZH)
    assert count.startswith("共 3 个团伙")
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    case = risk.ring_case(shop, "ring-001", Principal(shop.id, "analyst"), EN)
    assert text(find(case, "ring-status")) == "Open"
    net = find(case, "ring-network").elements
    assert {e["data"]["id"] for e in net if "source" not in e["data"]} == {
        "c000005", "c000160", "c000161", "c000162",
    }  # fmt: skip
    analyst = Principal(shop.id, "analyst", key_id="key_00000000000000aa", name="risk desk")
    assert text(find(case, "ring-outside")).startswith("The members' other earnings")
    risk.act(shop, "ring-001", "freeze", analyst, "shared device")
    case = risk.ring_case(shop, "ring-001", Principal(shop.id, "analyst"), EN)
    assert text(find(case, "ring-status")) == "Frozen"
    assert "risk desk" in text(find(case, "ring-changes"))
    # issue 18 (F-2): the default freeze holds only what flowed inside, and says so
    assert "(Hold only what flowed inside the group)" in text(find(case, "ring-changes"))
    assert text(find(case, "ring-holding")) == "This freeze: Hold only what flowed inside the group"
    risk.act(shop, "ring-001", "release", analyst, None)
    assert shop.ring("ring-001")["status"] == "released"
