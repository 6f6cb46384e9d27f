"""The merchant's "API keys" page and the "Audit" page (issue 16), their content functions over
a real shop on the embedded engine, in both languages: a key created on the page shows its
secret once, is listed without it, is rotated and revoked; each of those shows in the audit
page with the logged-in key as the actor, and its download is a real CSV / xlsx."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest

from teamgraph.dashboards.i18n import EN, ZH, t
from teamgraph.errors import Conflict
from teamgraph.graph import Engine
from teamgraph.shop import Actor, Shop
from tests.conftest import new_shop_id
from tests.ui.test_pages import find, text


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    s = Shop.create(engine, new_shop_id("uk"))
    yield s
    s.store.drop()


ME = Actor("key_00000000000000aa", "店长")


@pytest.mark.parametrize("lang", [ZH, EN])
def test_keys_page_creates_rotates_and_revokes_and_the_audit_page_shows_each(
    shop: Shop, dash_app: Any, lang: str
) -> None:
    from teamgraph.dashboards.pages import audit, keys

    made = keys.decide(shop, ME, "ky-create", lang, name="mall backend", role="merchant")
    secret = text(find(made, "ky-secret"))
    assert secret.startswith(f"{shop.id}.")
    assert shop.authenticate(secret).name == "mall backend"
    rows = keys.key_rows(shop, False, lang)
    [row] = rows
    assert row["name"] == "mall backend" and row["status_text"] == t("ky.status.active", lang)
    assert secret.split(".", 1)[1] not in str(rows), "the list never shows a secret"
    rotated = keys.decide(shop, ME, "ky-rotate", lang, overlap_h=0, chosen=row["id"])
    new_secret = text(find(rotated, "ky-secret"))
    assert new_secret != secret and shop.authenticate(new_secret).name == "mall backend"
    [current] = keys.key_rows(shop, False, lang)
    keys.decide(shop, ME, "ky-revoke", lang, chosen=current["id"])
    assert keys.key_rows(shop, False, lang) == []
    statuses = {r["status_text"] for r in keys.key_rows(shop, True, lang)}
    assert t("ky.status.revoked", lang) in statuses
    with pytest.raises(Conflict):
        keys.decide(shop, ME, "ky-rotate", lang, chosen=current["id"])

    query = audit.filters(shop, ME.key_id, "key", None, None, None)
    shown = audit.rows(audit.changes(shop, 100, **query), shop.timezone())
    assert sorted(r["action"] for r in shown) == ["key.create", "key.revoke", "key.rotate"]
    assert {r["actor"] for r in shown} == {"店长"}
    assert (
        audit.changes(shop, 100, **audit.filters(shop, "key_ffffffffffffffff", *[None] * 4)) == []
    )
    data = audit.export(shop, "csv", ME.key_id, None, None, None, None)
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:2] == ["at", "action"] and len(table) == 4
    book = openpyxl.load_workbook(
        io.BytesIO(audit.export(shop, "xlsx", None, "key.create", None, None, None))
    )
    sheet = book.active
    assert sheet is not None and sheet.max_row == 2


def test_the_audit_page_period_is_whole_days_in_the_shop_zone(shop: Shop, dash_app: Any) -> None:
    from teamgraph.dashboards.pages import audit

    query = audit.filters(shop, None, None, None, "2025-06-01", "2025-06-01")
    assert query["end"] - query["start"] == 86_400_000
    assert query["start"] == 1748707200000  # 2025-06-01 00:00 in Asia/Shanghai


def test_both_pages_lay_out_in_both_languages(dash_app: Any) -> None:
    from teamgraph.dashboards.pages import audit, keys

    for lang in (ZH, EN):
        assert t("nav.keys", lang) in text(keys.layout(lang))
        assert t("nav.audit", lang) in text(audit.layout(lang))
