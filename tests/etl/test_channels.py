"""Share channels in imports and in the demo shop (issue 17, U-11): the bindings file's
``channel`` column is written where a live visit writes it (the binding's ``channel``), with
the API's limits (1–64 characters, an id's characters, I-1), so imported and live bindings are
reported alike; the generator gives visit-made bindings a channel mix (D-10), so the demo's
Channels report compares channels instead of showing only "(no channel)"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from teamgraph.dashboards.i18n import EN, ZH, labels
from teamgraph.dashboards.report_figures import channel_label
from teamgraph.etl import demo, generator
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id
from tests.etl.conftest import counts, load, rejects, write_csv
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory


def _channels_of(shop: Shop, *customers: str) -> dict[str, str | None]:
    return {
        r["customer_id"]: r["channel"]
        for r in shop.store.read("etl.bindings_get", ids=list(customers))
    }


def _members(shop: Shop, tmp: Path, *customers: str) -> None:
    people = ["d1", *customers]
    load(shop, "customers", write_csv(tmp / "customers.csv", ["id", "joined_at"],
                                      [[p, T0] for p in people]))  # fmt: skip
    load(shop, "distributors", write_csv(tmp / "distributors.csv", ["id", "became_at"],
                                         [["d1", T0]]))  # fmt: skip


def test_u11_the_bindings_import_takes_a_channel_with_the_apis_limits(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    """A valid channel is stored on the binding; one over 64 characters or holding an
    invisible character is a rejected row with its reason; an empty cell stores none."""
    shop = make_shop()
    _members(shop, tmp_path, "c1", "c2", "c3", "c4")
    header = ["customer_id", "distributor_id", "since", "source", "channel"]
    rows = [
        ["c1", "d1", T0 + HOUR, "visit", "wechat_group"],
        ["c2", "d1", T0 + HOUR, "visit", "x" * 65],
        ["c3", "d1", T0 + HOUR, "visit", "wechat\u200bgroup"],
        ["c4", "d1", T0 + HOUR, "visit", None],
    ]
    result = load(shop, "bindings", write_csv(tmp_path / "bindings.csv", header, rows))
    assert counts(result) == (2, 0, 2)
    reasons = {r["customer_id"]: r["_reason"] for r in rejects(result)}
    assert reasons == {
        "c2": "channel: a channel is at most 64 characters",
        "c3": "channel: an id holds no invisible or control character (U+200B)",
    }
    assert _channels_of(shop, "c1", "c2", "c3", "c4") == {"c1": "wechat_group", "c4": None}
    again = load(shop, "bindings", write_csv(tmp_path / "again.csv", header, [rows[0], rows[3]]))
    assert counts(again) == (0, 2, 0)  # E-1: the same channel again changes nothing


def test_u11_a_bindings_file_without_the_column_loads_as_before(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    """Older files have no ``channel`` column: their bindings name none, and a later file may
    give an open binding its channel (E-2: a cell not given keeps what is stored)."""
    shop = make_shop()
    _members(shop, tmp_path, "c1")
    old = write_csv(tmp_path / "old.csv", ["customer_id", "distributor_id", "since", "source"],
                    [["c1", "d1", T0 + HOUR, "visit"]])  # fmt: skip
    assert counts(load(shop, "bindings", old)) == (1, 0, 0)
    assert _channels_of(shop, "c1") == {"c1": None}
    assert counts(load(shop, "bindings", old)) == (0, 1, 0)
    named = write_csv(tmp_path / "named.csv", ["customer_id", "distributor_id", "since", "channel"],
                      [["c1", "d1", T0 + HOUR, "poster_qr"]])  # fmt: skip
    assert counts(load(shop, "bindings", named)) == (1, 0, 0)
    assert _channels_of(shop, "c1") == {"c1": "poster_qr"}
    assert counts(load(shop, "bindings", old)) == (0, 1, 0)  # not given: kept


def test_u11_imported_and_live_visit_bindings_are_reported_alike(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    """An imported visit-made binding with a channel counts in the Channels report as a live
    visit that bound with that channel does: one visit and one binding under the channel."""
    shop = make_shop()
    _members(shop, tmp_path, "c1")
    header = ["customer_id", "distributor_id", "since", "source", "channel"]
    row = ["c1", "d1", T0 + HOUR, "visit", "wechat_group"]
    load(shop, "bindings", write_csv(tmp_path / "b.csv", header, [row]))
    shop.visit("c2", "d1", at=T0 + 2 * HOUR, channel="wechat_group")
    shop.visit("c3", "d1", at=T0 + 3 * HOUR, channel="poster_qr")
    report = shop.channels(T0, T0 + DAY, now=T0 + DAY)
    got = {c["channel"]: (c["visits"], c["bindings"]) for c in report["channels"]}
    assert got == {"wechat_group": (2, 2), "poster_qr": (1, 1)}
    (imported,) = [
        b for b in shop.store.read("etl.bindings_get", ids=["c1", "c2"]) if b["customer_id"] == "c1"
    ]
    (live,) = [
        b for b in shop.store.read("etl.bindings_get", ids=["c2"]) if b["customer_id"] == "c2"
    ]
    assert (imported["source"], imported["channel"]) == (live["source"], live["channel"])


@pytest.fixture(scope="module")
def demo_shop(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Shop, int]]:
    """The demo of ``teamgraph up`` (``demo.create``: the bulk path on FalkorDB, file by file
    on Neo4j), smaller: the same generator and seed, dated the year before now; and its end."""
    end = generator.default_end()
    shop, _ = demo.create(
        engine, new_shop_id("demo"), workdir=tmp_path_factory.mktemp("demo"),
        customers=1000, distributors=100, orders=600, rings=0, end=end,
    )  # fmt: skip
    yield shop, end
    shop.store.drop()


def test_u11_the_demo_channel_report_compares_several_channels(
    demo_shop: tuple[Shop, int],
) -> None:
    """Issue 17: the demo's Channels report shows several channels, each with visits,
    bindings and orders (over the year the demo covers); the page's default month has
    several channels with visits and bindings too."""
    shop, end = demo_shop
    year = shop.channels(end - 365 * DAY, end + 1)
    named = [c for c in year["channels"] if c["channel"] is not None]
    assert {c["channel"] for c in named} == set(generator.CHANNELS)
    assert all(c["visits"] and c["bindings"] and c["orders"] and c["sales_fen"] for c in named)
    assert all(c["commission_fen"] > 0 for c in named[:3])
    assert sum(c["bindings"] for c in named) > sum(
        c["bindings"] for c in year["channels"] if c["channel"] is None
    )
    month = shop.channels(end - 30 * DAY, end + 1)
    active = [c for c in month["channels"] if c["channel"] and c["visits"] and c["bindings"]]
    assert len(active) >= 3, month["channels"]


def test_u11_the_demo_channels_have_names_in_both_languages() -> None:
    """The UI names the generator's channels in each language; a channel it does not know
    is shown as it was sent, no channel as "(no channel)"."""
    for lang in (ZH, EN):
        for channel in generator.CHANNELS:
            assert f"channels.name.{channel}" in labels(lang)
            assert channel_label(channel, lang) == labels(lang)[f"channels.name.{channel}"]
        assert channel_label("douyin_live", lang) == "douyin_live"
        assert channel_label(None, lang) == labels(lang)["channels.none"]
    assert channel_label("wechat_moments", ZH) == "朋友圈"
