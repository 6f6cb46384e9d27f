"""The audit log over HTTP (issue 16 "Audit log"): every decision by a person or a key is one
``Change`` written with the decision, and ``GET /v1/audit`` shows it with its actor (the key's
public id and name), filtered by actor, kind, object and period, newest first, cursor-paged,
and downloadable as CSV / xlsx with formula-inert cells (X-1). Run on both engines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import openpyxl
import pytest

from teamgraph.clock import now_ms
from teamgraph.shop import Shop
from teamgraph.shop.keys import key_digest, key_ref, split_key
from tests.api.conftest import ShopApi
from tests.api.test_money import earn, withdraw
from tests.api.test_relationships import customer, distributor, get, listed, ok, visit

MakeShop = Any

DECISIONS = {
    "settings.update": "settings",
    "settings.poster": "settings",
    "distributor.approve": "distributor",
    "distributor.reject": "distributor",
    "distributor.freeze": "distributor",
    "distributor.unfreeze": "distributor",
    "distributor.level": "distributor",
    "binding.rebind": "customer",
    "binding.unbind": "customer",
    "withdrawal.approve": "withdrawal",
    "withdrawal.pay": "withdrawal",
    "withdrawal.reject": "withdrawal",
    "ring.freeze": "ring",
    "ring.release": "ring",
    "key.create": "key",
    "key.rotate": "key",
    "key.revoke": "key",
}
"""Each decision kind issue 16 lists (webhook and personal-data Changes are their parts' own
tests) and the object kind it is about."""


def key_id(key: str) -> str:
    return key_ref(key_digest(split_key(key)[1]))


def named_client(s: ShopApi, name: str, role: str = "merchant") -> tuple[httpx.Client, str]:
    key = s.shop.create_key(role, name=name)
    client = httpx.Client(base_url=s.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    return client, key_id(key)


def ring(shop: Shop, ring_id: str, distributor_id: str) -> None:
    """A ring as the scan writes it (the scan itself is tests/fraud's)."""
    shop.save_rings(
        [
            {
                "id": ring_id,
                "score": 80,
                "kinds": ["self_dealing"],
                "members": [{"id": distributor_id, "role": "distributor"}],
                "distributors": 1,
                "top_signals": ["device shared"],
                "inside_fen": 0,
                "contributions": [{"signal": "self_dealing", "points": 40, "detail": "x"}],
                "edges": [],
                "signals": [],
            }
        ],
        scan_id="s1",
    )


@pytest.fixture
def decided(make_shop: MakeShop) -> Iterator[tuple[ShopApi, httpx.Client, str, dict[str, str]]]:
    """A shop where the key named ``运营 ops`` made one decision of every kind, and the program
    approved two applications on its own. Answers the shop, the key's client and id, and the
    ids of what was decided on."""
    s = make_shop()
    m, kid = named_client(s, "运营 ops")
    distributor(m, "D1")  # approved at once: the program's decision (actor auto)
    distributor(m, "D2")
    ok(m.put("/v1/settings", json={"application": {"review": True}}))
    assert m.delete("/v1/settings/poster").status_code in {200, 204}
    for cid in ("A1", "A2"):
        customer(m, cid)
        ok(m.post("/v1/distributors", json={"customer_id": cid}), 201)
    ok(m.post("/v1/distributors/A1/approve"))
    ok(m.post("/v1/distributors/A2/reject", json={"reason": '=HYPERLINK("x")'}))
    ok(m.post("/v1/distributors/D2/freeze", json={"reason": "checking"}))
    ok(m.post("/v1/distributors/D2/unfreeze"))
    ok(m.put("/v1/distributors/D2/level", json={"level": 1, "reason": "by hand"}))
    visit(m, "C1", "D1")
    ok(m.put("/v1/customers/C1/binding", json={"distributor_id": "D2", "reason": "moved"}))
    ok(m.delete("/v1/customers/C1/binding", params={"reason": "left"}))
    earn(m, "D1", 50_000)
    w1 = withdraw(m, "D1", 10_000)["id"]
    w2 = withdraw(m, "D1", 10_000)["id"]
    ok(m.post(f"/v1/withdrawals/{w1}/approve"))
    ok(m.post(f"/v1/withdrawals/{w1}/paid"))
    ok(m.post(f"/v1/withdrawals/{w2}/reject", json={"reason": "wrong account"}))
    ring(s.shop, "ring-x", "D1")
    ok(m.post("/v1/rings/ring-x/freeze", json={"reason": "shared device"}))
    ok(m.post("/v1/rings/ring-x/release"))
    made = ok(m.post("/v1/keys", json={"name": "report job", "role": "analyst"}), 201)
    other = made["record"]["id"]
    rotated = ok(m.post(f"/v1/keys/{other}/rotate", json={"overlap_s": 60}), 201)
    ok(m.post(f"/v1/keys/{rotated['record']['id']}/revoke", json={"reason": "done"}))
    yield s, m, kid, {"w1": w1, "w2": w2, "key": other, "shop": s.shop.id}
    m.close()


def test_every_decision_appears_in_the_audit_with_its_actors_key_id_and_name(
    decided: tuple[ShopApi, httpx.Client, str, dict[str, str]],
) -> None:
    """Issue 16 "Done when": every decision listed appears in GET /v1/audit with its actor."""
    _s, m, kid, ids = decided
    items = listed(m, "/v1/audit")
    mine = [c for c in items if c["actor_key"] == kid]
    assert {c["action"] for c in mine} == set(DECISIONS)
    for c in mine:
        assert c["actor"] == "运营 ops", c
        assert c["object"] == DECISIONS[c["action"]], c
        assert c["object_id"], c
    auto = [c for c in items if c["action"] == "distributor.approve" and c["actor"] == "auto"]
    assert sorted(c["object_id"] for c in auto) == ["D1", "D2"]
    assert all(c["actor_key"] is None for c in auto)
    by_action = {c["action"]: c for c in mine}
    settings = by_action["settings.update"]
    assert json.loads(settings["before"])["application"]["review"] is False
    assert json.loads(settings["after"])["application"]["review"] is True
    assert (by_action["withdrawal.pay"]["before"], by_action["withdrawal.pay"]["after"]) == (
        "approved",
        "paid",
    )
    assert by_action["withdrawal.reject"]["reason"] == "wrong account"
    assert (by_action["binding.rebind"]["before"], by_action["binding.rebind"]["after"]) == (
        "D1",
        "D2",
    )
    assert by_action["key.create"]["object_id"] == ids["key"]
    assert "secret" not in json.dumps(items)
    times = [c["at"] for c in items]
    assert times == sorted(times, reverse=True), "newest first"


def test_the_filters_actor_kind_object_and_period(
    decided: tuple[ShopApi, httpx.Client, str, dict[str, str]],
) -> None:
    _s, m, kid, ids = decided
    everything = listed(m, "/v1/audit")
    by_actor = listed(m, "/v1/audit", actor=kid)
    assert by_actor == [c for c in everything if c["actor_key"] == kid]
    withdrawals = listed(m, "/v1/audit", kind="withdrawal")
    assert sorted(c["action"] for c in withdrawals) == [
        "withdrawal.approve",
        "withdrawal.pay",
        "withdrawal.reject",
    ]
    assert [c["action"] for c in listed(m, "/v1/audit", kind="key.rotate")] == ["key.rotate"]
    assert sorted(c["action"] for c in listed(m, "/v1/audit", object=ids["w1"])) == [
        "withdrawal.approve",
        "withdrawal.pay",
    ]
    assert {c["action"] for c in listed(m, "/v1/audit", kind="customer")} == {
        "binding.rebind",
        "binding.unbind",
    }
    middle = everything[len(everything) // 2]["at"]
    later = listed(m, "/v1/audit", **{"from": middle})
    assert later == [c for c in everything if c["at"] >= middle]
    earlier = listed(m, "/v1/audit", to=middle)
    assert earlier == [c for c in everything if c["at"] < middle]
    future = now_ms() + 86_400_000
    assert get(m, "/v1/audit", **{"from": future})["items"] == []


def test_pages_of_one_follow_each_other_without_gaps(
    decided: tuple[ShopApi, httpx.Client, str, dict[str, str]],
) -> None:
    _s, m, _kid, _ids = decided
    assert listed(m, "/v1/audit", limit=1) == listed(m, "/v1/audit", limit=500)
    bad = m.get("/v1/audit", params={"cursor": "nope"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "request.cursor"


def test_the_export_opens_in_excel_with_formula_cells_inert(
    decided: tuple[ShopApi, httpx.Client, str, dict[str, str]],
) -> None:
    """Issue 16: "the export opens in Excel"; X-1: a reason typed as a formula stays text."""
    _s, m, kid, _ids = decided
    everything = listed(m, "/v1/audit")
    response = m.get("/v1/audit", params={"format": "csv", "actor": kid})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["at", "action", "object", "object_id", "actor", "actor_key"]
    assert len(rows) - 1 == len([c for c in everything if c["actor_key"] == kid])
    reject = next(r for r in rows if r[1] == "distributor.reject")
    assert reject[6] == '\'=HYPERLINK("x")'
    response = m.get("/v1/audit", params={"format": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet is not None
    rows_x = list(sheet.iter_rows())
    assert len(rows_x) - 1 == len(everything)
    cell = next(r for r in rows_x if r[1].value == "distributor.reject")[6]
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s", "text, never a formula"


def test_distributor_keys_may_not_read_the_audit(make_shop: MakeShop) -> None:
    s = make_shop()
    distributor(s.merchant, "D1")
    refused = s.client("distributor", "D1").get("/v1/audit")
    assert refused.status_code == 403
    assert s.analyst.get("/v1/audit").status_code == 200
