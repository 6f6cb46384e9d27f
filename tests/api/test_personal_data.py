"""Personal data over real HTTP (issue 16 "Personal data"; docs/api.md "Personal data";
docs/choices.md PD-1..PD-6), on both engines: the export, the erasure with every balance and
counter read through the API unchanged, 404s that write nothing, the 409 while a payout is
pending, and withdrawal accounts masked once paid or rejected."""

from __future__ import annotations

import json
from typing import Any

import httpx

from teamgraph.phones import PSEUDONYM
from tests.api.test_authorization_matrix import MakeShop
from tests.api.test_money import earn, withdraw
from tests.api.test_relationships import distributor, ok, refused, visit

ACCOUNT = "6222021234567890"


def figures(m: httpx.Client, ids: list[str], customers: list[str]) -> dict[str, Any]:
    """Every amount and count the API shows for these distributors and customers."""
    out: dict[str, Any] = {}
    for d in ids:
        out[f"ledger:{d}"] = ok(m.get(f"/v1/distributors/{d}/ledger", params={"limit": 500}))
        out[f"team:{d}"] = ok(m.get(f"/v1/distributors/{d}/team"))
        out[f"progress:{d}"] = ok(m.get(f"/v1/distributors/{d}/progress"))
        profile = ok(m.get(f"/v1/distributors/{d}"))
        profile.pop("name", None)
        out[f"profile:{d}"] = profile
    for c in customers:
        view = ok(m.get(f"/v1/customers/{c}"))
        view.pop("name", None)
        out[f"customer:{c}"] = view
    out["withdrawals"] = [
        {k: v for k, v in w.items() if k not in ("account", "account_masked", "holder",
                                                  "distributor_name")}
        for w in ok(m.get("/v1/withdrawals"))["items"]
    ]  # fmt: skip
    for metric in ("sales", "commission", "clients"):
        board = ok(m.get("/v1/leaderboard", params={"period": "month", "metric": metric}))
        out[f"board:{metric}"] = [
            {k: v for k, v in row.items() if k != "name"} for row in board["items"]
        ]
    return out


def test_export_then_erase_over_http_changes_no_figure(make_shop: MakeShop) -> None:
    """Issue 16 "Done when": a customer's personal data can be exported and erased without
    changing any balance or count (read through the API before and after)."""
    s = make_shop()
    m = s.merchant
    distributor(m, "d1", name="Zhang Wei")
    ok(m.post("/v1/customers", json={"id": "d2", "name": "Li Na"}), 201)
    visit(m, "d2", "d1")
    ok(m.post("/v1/distributors", json={"customer_id": "d2"}), 201)
    earn(m, "d2", 5_000)
    earn(m, "d1", 3_000)
    s.shop.bulk.add_signals("device", [
        {"customer_id": "d2", "value": "dev-77", "first_seen": 1, "last_seen": 2},
        {"customer_id": "d1", "value": "dev-77", "first_seen": 1, "last_seen": 2},
    ])  # fmt: skip
    paid = withdraw(m, "d2", 1_000, holder="Li Na", id="wp")
    ok(m.post(f"/v1/withdrawals/{paid['id']}/approve"))
    ok(m.post(f"/v1/withdrawals/{paid['id']}/paid"))
    ids, customers = ["d1", "d2"], ["d1", "d2", "d2-x", "d1-x"]
    export = ok(m.get("/v1/customers/d2/personal-data"))
    assert export["customer"]["name"] == "Li Na"
    assert export["distributor"]["withdrawals"][0]["account"] == "************7890"
    assert [s["value"] for s in export["signals"]] == ["dev-77"]
    before = figures(m, ids, customers)

    erased = ok(m.delete("/v1/customers/d2/personal-data", params={"reason": "PIPL request"}))
    assert erased["customer_id"] == "d2" and erased["signals_pseudonymised"] == 1
    assert figures(m, ids, customers) == before
    after = ok(m.get("/v1/customers/d2/personal-data"))
    text = json.dumps(after, ensure_ascii=False)
    assert "Li Na" not in text and "dev-77" not in text and ACCOUNT not in text
    assert after["signals"][0]["value"].startswith(PSEUDONYM)
    # erasing again answers the same and changes nothing
    again = ok(m.delete("/v1/customers/d2/personal-data", params={"reason": "again"}))
    assert again["signals_pseudonymised"] == 0
    assert figures(m, ids, customers) == before
    changes = [
        n["props"] for n in s.shop.store.read("dump.nodes")
        if "Change" in n["labels"] and n["props"].get("object") == "personal_data"
    ]  # fmt: skip
    actions = sorted(c["action"] for c in changes)
    assert actions == ["personal_data.erase"] * 2 + ["personal_data.export"] * 2
    assert all(c["actor_key"] and c["actor_key"].startswith("key_") for c in changes)


def test_unknown_customer_404_and_reason_required(make_shop: MakeShop) -> None:
    s = make_shop()
    m = s.merchant
    refused(m.get("/v1/customers/nobody/personal-data"), 404, "customer.not_found")
    refused(m.delete("/v1/customers/nobody/personal-data", params={"reason": "x"}), 404,
            "customer.not_found")  # fmt: skip
    assert m.delete("/v1/customers/nobody/personal-data").status_code == 422
    written = [
        n["props"]["action"] for n in s.shop.store.read("dump.nodes") if "Change" in n["labels"]
    ]
    assert written == ["key.create"]  # the test's merchant key; nothing of personal data


def test_erasure_refused_while_a_payout_is_pending(make_shop: MakeShop) -> None:
    """PD-5: 409 ``personal_data.payout_pending`` while a withdrawal is requested or approved
    (the bank transfer needs the account); after the payout, the erasure goes through."""
    s = make_shop()
    m = s.merchant
    distributor(m, "d1", name="Zhang Wei")
    earn(m, "d1", 5_000)
    w = withdraw(m, "d1", 1_000, holder="Zhang Wei")
    refused(m.delete("/v1/customers/d1/personal-data", params={"reason": "asked"}), 409,
            "personal_data.payout_pending")  # fmt: skip
    ok(m.post(f"/v1/withdrawals/{w['id']}/approve"))
    refused(m.delete("/v1/customers/d1/personal-data", params={"reason": "asked"}), 409,
            "personal_data.payout_pending")  # fmt: skip
    ok(m.post(f"/v1/withdrawals/{w['id']}/paid"))
    ok(m.delete("/v1/customers/d1/personal-data", params={"reason": "asked"}))
    assert ok(m.get(f"/v1/withdrawals/{w['id']}"))["holder"] is None


def test_full_account_only_while_the_payout_needs_it(make_shop: MakeShop) -> None:
    """PD-6 (issue 16: "full withdrawal account numbers are kept only as long as a payout
    needs them, masked everywhere else"): the bank file of approved withdrawals carries the
    full number; once paid (or rejected) every answer and every export has the masked form
    only, for the merchant too."""
    s = make_shop()
    m = s.merchant
    distributor(m, "d1")
    earn(m, "d1", 5_000)
    paid = withdraw(m, "d1", 1_000)
    rejected = withdraw(m, "d1", 1_000)
    ok(m.post("/v1/withdrawals/approve", json={"ids": [paid["id"]]}))
    bank_file = m.get("/v1/withdrawals", params={"status": "approved", "format": "csv"})
    assert ACCOUNT in bank_file.text
    ok(m.post("/v1/withdrawals/paid", json={"ids": [paid["id"]]}))
    ok(m.post(f"/v1/withdrawals/{rejected['id']}/reject"))
    for wid in (paid["id"], rejected["id"]):
        view = ok(m.get(f"/v1/withdrawals/{wid}"))
        assert view["account"] == view["account_masked"] == "************7890"
    for fmt in ("json", "csv"):
        assert ACCOUNT not in m.get("/v1/withdrawals", params={"format": fmt}).text
    assert ACCOUNT not in json.dumps(ok(m.get("/v1/distributors/d1/ledger")))


def test_retention_setting_over_http(make_shop: MakeShop) -> None:
    """PD-4: ``signal_retention_days`` is shown by ``GET /v1/settings`` (null by default),
    set by ``PUT``, and validated (1–3650 or null)."""
    s = make_shop()
    m = s.merchant
    assert ok(m.get("/v1/settings"))["signal_retention_days"] is None
    for bad in (0, 3651, "a year"):
        assert m.put("/v1/settings", json={"signal_retention_days": bad}).status_code == 422
    ok(m.put("/v1/settings", json={"signal_retention_days": 365}))
    assert ok(m.get("/v1/settings"))["signal_retention_days"] == 365
    ok(m.put("/v1/settings", json={"signal_retention_days": None}))
    assert ok(m.get("/v1/settings"))["signal_retention_days"] is None
