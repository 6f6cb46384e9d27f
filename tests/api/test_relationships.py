"""Customers, visits, distributors and team views over real HTTP (docs/api.md "Events and
idempotency", "Team views and the ledger", "Merchant edits"), as scenarios named after the rules of
docs/rules.md sections 1, 2 and 4."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from teamgraph.clock import now_ms
from tests.api.conftest import Api, ShopApi

HOUR = 3_600_000
DAY = 24 * HOUR
MakeShop = Callable[..., ShopApi]

THREE_LEVELS = [
    {"level": 1, "name": "铜牌", "reward_bp": 500, "inviter_reward_bp": 100},
    {
        "level": 2,
        "name": "银牌",
        "conditions": {"bound_customers": 2},
        "reward_bp": 800,
        "inviter_reward_bp": 200,
    },
    {
        "level": 3,
        "name": "金牌",
        "conditions": {"invited_distributors": 2},
        "reward_bp": 1000,
        "inviter_reward_bp": 300,
    },
]


# -- helpers --------------------------------------------------------------------------------------
def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(
    response: httpx.Response, status: int, code: str, rule: str | None = None
) -> dict[str, Any]:
    """The error shape of docs/api.md with the expected status, code and (when given) rule."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    err: dict[str, Any] = body["error"]
    assert {"code", "rule", "message"} <= set(err), err
    assert err["code"] == code, err
    if rule is not None:
        assert err["rule"] == rule, err
    return err


def ms(text: str) -> int:
    """An ISO-8601 response time as epoch ms; every response time carries the shop's offset."""
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == timedelta(hours=8), text
    return int(parsed.timestamp() * 1000)


def customer(m: httpx.Client, cid: str, **fields: Any) -> dict[str, Any]:
    return ok(m.post("/v1/customers", json={"id": cid, **fields}), 201)


def distributor(m: httpx.Client, did: str, at: int | None = None, **fields: Any) -> dict[str, Any]:
    """A new customer that applies and (default settings) is approved at once."""
    if at is not None:
        fields.setdefault("joined_at", at - HOUR)
    customer(m, did, **fields)
    body: dict[str, Any] = {"customer_id": did} if at is None else {"customer_id": did, "at": at}
    out = ok(m.post("/v1/distributors", json=body), 201)
    assert out["status"] == "active", out
    return out


def visit(m: httpx.Client, cid: str, did: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {"customer_id": cid, **fields}
    if did is not None:
        body["distributor_id"] = did
    return ok(m.post("/v1/visits", json=body))


def get(m: httpx.Client, path: str, **params: Any) -> Any:
    return ok(m.get(path, params=params))


def listed(m: httpx.Client, path: str, limit: int = 50, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list endpoint, following ``next_cursor`` page by page."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        page = get(m, path, **query)
        assert set(page) == {"items", "next_cursor"}
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def clients(m: httpx.Client, did: str, kind: str = "direct") -> list[str]:
    return [c["id"] for c in listed(m, f"/v1/distributors/{did}/clients", kind=kind)]


def invitees(m: httpx.Client, did: str) -> list[str]:
    return [i["id"] for i in listed(m, f"/v1/distributors/{did}/invitees")]


def team(m: httpx.Client, did: str) -> dict[str, Any]:
    return get(m, f"/v1/distributors/{did}/team")  # type: ignore[no-any-return]


def counts(m: httpx.Client, did: str) -> tuple[int, int, int, int]:
    t = team(m, did)
    return t["direct_clients"], t["indirect_clients"], t["invitees"], t["team_size"]


def history(m: httpx.Client, cid: str) -> list[tuple[str, bool, str | None]]:
    view = get(m, f"/v1/customers/{cid}")
    return [(b["distributor_id"], b["active"], b["end_reason"]) for b in view["history"]]


def settings(m: httpx.Client, **patch: Any) -> None:
    ok(m.put("/v1/settings", json=patch))


# -- the worked story ----------------------------------------------------------------------
def test_r1_6_worked_story_a1_b1_c1_b2_c2(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    for cid in ("A1", "B1", "B2", "C1", "C2"):
        assert customer(m, cid)["binding"] is None
    for cid in ("C1", "C2"):  # application.review is off by default: approved at once
        assert ok(m.post("/v1/distributors", json={"customer_id": cid}), 201) == {
            "id": cid,
            "status": "active",
            "inviter_id": None,
        }
    assert visit(m, "B2", "C2")["bound_to"] == "C2"
    assert ok(m.post("/v1/distributors", json={"customer_id": "B2"}), 201)["inviter_id"] == "C2"
    assert visit(m, "B1", "C1")["bound_to"] == "C1"
    assert ok(m.post("/v1/distributors", json={"customer_id": "B1"}), 201)["inviter_id"] == "C1"
    a1 = visit(m, "A1", "B1")
    assert (a1["bound_to"], a1["outcome"], a1["attributed_to"]) == ("B1", "bind", "B1")

    rebound = ok(m.put("/v1/customers/B1/binding", json={"distributor_id": "B2"}))
    assert rebound["binding"]["distributor_id"] == "B2"
    assert get(m, "/v1/distributors/B1")["inviter_id"] == "C1"  # fixed for good

    # A1 is B1's direct client and C1's indirect client
    assert clients(m, "B1") == ["A1"]
    assert clients(m, "C1", "indirect") == ["A1"]
    # B1 (a distributor, and a customer) is B2's direct client and C2's indirect client
    assert clients(m, "B2") == ["B1"]
    assert clients(m, "C2", "indirect") == ["B1"]
    assert clients(m, "C2") == ["B2"]
    # C1 has nothing to do with B1's own purchases any more
    assert clients(m, "C1") == []
    assert "B1" not in clients(m, "C1") + clients(m, "C1", "indirect")
    assert invitees(m, "C1") == ["B1"]
    assert invitees(m, "C2") == ["B2"]
    assert invitees(m, "B1") == invitees(m, "B2") == []
    # the counters agree with the lists
    assert counts(m, "B1") == (1, 0, 0, 0)
    assert counts(m, "B2") == (1, 0, 0, 0)
    assert counts(m, "C1") == (0, 1, 1, 1)
    assert counts(m, "C2") == (1, 1, 1, 1)
    assert team(m, "C1")["by_depth"] == [{"depth": 1, "distributors": 1}]

    b1 = get(m, "/v1/customers/B1")
    assert b1["binding"]["distributor_id"] == "B2"
    assert b1["attributed_to"] == "B2"
    assert [(b["distributor_id"], b["active"], b["end_reason"]) for b in b1["history"]] == [
        ("C1", False, "merchant_rebind"),
        ("B2", True, None),
    ]
    assert b1["history"][0]["ended_by"] == "merchant"
    assert ms(b1["history"][0]["ended_at"]) == ms(b1["history"][1]["since"])
    assert (b1["history"][1]["source"], b1["history"][1]["actor"]) == ("merchant", "merchant")
    assert get(m, "/v1/customers/A1")["attributed_to"] == "B1"


# -- chain binding --------------------------------------------------------------------------
def test_r1_2_no_override_by_another_distributor_and_renewal_to_a_full_period(
    make_shop: MakeShop,
) -> None:
    s = make_shop()
    m = s.merchant
    settings(m, binding_days=1, auto_unbind="on_expiry")
    t0 = now_ms() - 5 * DAY
    distributor(m, "D1", at=t0 - DAY)
    distributor(m, "D2", at=t0 - DAY)

    first = visit(m, "X", "D1", at=t0)
    assert (first["outcome"], first["bound_to"]) == ("bind", "D1")
    assert ms(first["expires_at"]) == t0 + DAY

    other = visit(m, "X", "D2", at=t0 + 2 * HOUR)
    assert (other["outcome"], other["bound_to"], other["attributed_to"]) == ("none", "D1", "D1")
    assert ms(other["expires_at"]) == t0 + DAY  # untouched
    assert other["sharer_id"] == "D2"  # B-1: the sharer is recorded all the same

    renewed = visit(m, "X", "D1", at=t0 + 12 * HOUR)
    assert (renewed["outcome"], renewed["bound_to"]) == ("renew", "D1")
    assert ms(renewed["expires_at"]) == t0 + 12 * HOUR + DAY  # a full period from the visit

    # after the first period, the renewed binding still holds
    assert visit(m, "X", "D2", at=t0 + DAY + HOUR)["bound_to"] == "D1"
    # once it has expired, a visit through another distributor binds
    after = visit(m, "X", "D2", at=t0 + DAY + 13 * HOUR)
    assert (after["outcome"], after["bound_to"]) == ("bind", "D2")
    assert history(m, "X") == [("D1", False, "expired"), ("D2", False, "expired")]
    assert get(m, "/v1/customers/X")["history"][0]["ended_at"] == renewed["expires_at"]


def test_r1_2_a_binding_ends_at_its_expiry_when_read(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    settings(m, binding_days=1, auto_unbind="on_expiry")
    t0 = now_ms() - DAY - HOUR
    distributor(m, "D1", at=t0 - HOUR)
    distributor(m, "D2", at=t0 - HOUR)
    assert visit(m, "X", "D1", at=t0)["bound_to"] == "D1"

    view = get(m, "/v1/customers/X")  # read an hour after the day is over
    assert view["binding"] is None
    assert view["attributed_to"] is None  # the sharer window (24 h) is over too
    [ended] = view["history"]
    assert (ended["distributor_id"], ended["end_reason"]) == ("D1", "expired")
    assert ms(ended["ended_at"]) == t0 + DAY
    assert clients(m, "D1") == [] and counts(m, "D1")[0] == 0

    now = visit(m, "X", "D2")
    assert (now["outcome"], now["bound_to"]) == ("bind", "D2")
    assert clients(m, "D2") == ["X"]


def test_r1_2_a_late_visit_does_not_override_the_binding_active_at_its_time(
    make_shop: MakeShop,
) -> None:
    m = make_shop().merchant
    settings(m, binding_days=1, auto_unbind="on_expiry")
    t0 = now_ms() - 3 * DAY
    distributor(m, "D1", at=t0 - DAY)
    distributor(m, "D2", at=t0 - DAY)
    visit(m, "X", "D1", at=t0)
    assert get(m, "/v1/customers/X")["binding"] is None  # expired at t0 + 1 day
    late = visit(m, "X", "D2", at=t0 + 12 * HOUR)  # arrives late: D1 was bound at that time
    assert late["outcome"] == "none"
    assert history(m, "X") == [("D1", False, "expired")]


def test_r1_2_a_permanent_binding_stays_as_it_is(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D1")
    distributor(m, "D2")
    assert visit(m, "X", "D1")["expires_at"] is None
    again = visit(m, "X", "D1")
    assert (again["outcome"], again["bound_to"], again["expires_at"]) == ("none", "D1", None)
    assert visit(m, "X", "D2")["bound_to"] == "D1"
    assert history(m, "X") == [("D1", True, None)]


# -- sharer attribution -------------------------------------------------------------
def test_r1_3_sharer_mode_a_later_visit_replaces_the_sharer_for_24_hours(
    make_shop: MakeShop,
) -> None:
    m = make_shop({"attribution_mode": "sharer"}).merchant
    t0 = now_ms() - 30 * HOUR
    distributor(m, "D1", at=t0 - DAY)
    distributor(m, "D2", at=t0 - DAY)

    first = visit(m, "X", "D1", at=t0)
    assert (first["outcome"], first["bound_to"], first["expires_at"]) == ("none", None, None)
    assert (first["sharer_id"], first["attributed_to"]) == ("D1", "D1")
    assert ms(first["sharer_until"]) == t0 + 24 * HOUR

    later = visit(m, "X", "D2", at=t0 + 10 * HOUR)
    assert (later["sharer_id"], later["attributed_to"]) == ("D2", "D2")
    assert ms(later["sharer_until"]) == t0 + 34 * HOUR

    view = get(m, "/v1/customers/X")  # 30 h after the first visit, 20 h after the second
    assert view["binding"] is None and view["history"] == []
    assert view["sharer"]["distributor_id"] == "D2"
    assert view["attributed_to"] == "D2"

    visit(m, "Y", "D1", at=t0)  # 30 h ago: the window is over
    y = get(m, "/v1/customers/Y")
    assert (y["sharer"], y["attributed_to"]) == (None, None)
    assert counts(m, "D1")[0] == counts(m, "D2")[0] == 0  # B-2: no lasting clients


def test_r1_4_chain_without_binding_falls_back_to_the_sharer(make_shop: MakeShop) -> None:
    m = make_shop({"new_customers_only": True}).merchant
    distributor(m, "D")
    customer(m, "OLD")  # joined on its own: an existing customer
    at = now_ms() - HOUR
    old = visit(m, "OLD", "D", at=at)
    assert (old["outcome"], old["bound_to"]) == ("none", None)
    assert "R-1.13" in old["reason"]
    assert (old["sharer_id"], old["attributed_to"]) == ("D", "D")
    assert ms(old["sharer_until"]) == at + 24 * HOUR
    assert get(m, "/v1/customers/OLD")["attributed_to"] == "D"

    visit(m, "OLD2", "D", at=now_ms() - 25 * HOUR)  # created by the visit: a new customer
    customer(m, "OLD3")
    visit(m, "OLD3", "D", at=now_ms() - 25 * HOUR)
    assert get(m, "/v1/customers/OLD3")["attributed_to"] is None  # 24 h are over

    joined = customer(m, "NEW", via_distributor_id="D")
    assert joined["binding"]["distributor_id"] == "D"
    assert joined["joined_via"] == "D"
    assert clients(m, "D") == ["NEW", "OLD2"]


# -- and the targets of a binding -----------------------------------------------------------
def test_r1_8_nobody_is_bound_to_themselves(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    err = refused(
        m.post("/v1/visits", json={"customer_id": "D", "distributor_id": "D"}),
        422,
        "binding.self",
        "R-1.8",
    )
    assert err["field"] == "distributor_id"
    refused(
        m.put("/v1/customers/D/binding", json={"distributor_id": "D"}), 422, "binding.self", "R-1.8"
    )
    view = get(m, "/v1/customers/D")
    assert (view["binding"], view["history"], view["sharer"]) == (None, [], None)


def test_r1_8_circular_attribution_is_allowed(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "A")
    distributor(m, "B")
    assert visit(m, "A", "B")["bound_to"] == "B"
    assert visit(m, "B", "A")["bound_to"] == "A"  # a loop: allowed, a risk signal
    assert (clients(m, "A"), clients(m, "B")) == (["B"], ["A"])


def test_only_an_active_distributor_takes_customers(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    distributor(m, "F")
    customer(m, "PLAIN")
    frozen = ok(m.post("/v1/distributors/F/freeze", json={"reason": "suspicious orders"}))
    assert frozen["status"] == "frozen"

    def bind(cid: str, did: str) -> httpx.Response:
        return m.post("/v1/visits", json={"customer_id": cid, "distributor_id": did})

    refused(bind("X", "PLAIN"), 422, "binding.not_distributor")
    refused(bind("X", "F"), 422, "binding.frozen")
    refused(bind("X", "NOBODY"), 404, "distributor.not_found")
    refused(
        m.post("/v1/customers", json={"id": "Y", "via_distributor_id": "F"}), 422, "binding.frozen"
    )
    refused(
        m.put("/v1/customers/PLAIN/binding", json={"distributor_id": "F"}), 422, "binding.frozen"
    )
    refused(
        m.put("/v1/customers/NOBODY/binding", json={"distributor_id": "D"}),
        404,
        "customer.not_found",
    )
    # nothing was written by the refused requests
    for cid in ("X", "Y", "NOBODY"):
        refused(m.get(f"/v1/customers/{cid}"), 404, "customer.not_found")
    assert history(m, "PLAIN") == []
    assert counts(m, "F")[0] == 0

    assert ok(m.post("/v1/distributors/F/unfreeze"))["status"] == "active"
    assert visit(m, "X", "F")["bound_to"] == "F"


def test_a_visit_by_share_code_keeps_its_channel(make_shop: MakeShop) -> None:
    s = make_shop()
    m = s.merchant
    distributor(m, "D")
    share = get(m, "/v1/distributors/D/share", product_id="p-1", channel="moments")
    assert set(share) == {
        "distributor_id",
        "code",
        "link",
        "product_id",
        "channel",
        "qr_svg_url",
        "qr_png_url",
    }
    code = share["code"]
    assert share["link"] == f"https://shop.example.com/p/p-1?tg={code}&ch=moments"
    assert (share["product_id"], share["channel"]) == ("p-1", "moments")

    svg = m.get(share["qr_svg_url"])
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<svg")
    png = m.get(share["qr_png_url"], params={"scale": 4})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")

    typed = f"{code[:4].lower()}-{code[4:]}"  # as a person types it
    v = visit(m, "X", code=typed, channel="moments")
    assert (v["bound_to"], v["sharer_id"]) == ("D", "D")
    view = get(m, "/v1/customers/X")
    assert view["sharer"]["channel"] == "moments"
    assert view["history"][0]["channel"] == "moments"

    def by_code(**body: Any) -> httpx.Response:
        return m.post("/v1/visits", json={"customer_id": "Y", **body})

    refused(by_code(code="ZZZZZZZZ"), 404, "share.unknown_code")
    refused(by_code(code="no!"), 422, "share.bad_code")
    refused(by_code(code=code, distributor_id="D"), 422, "visit.ambiguous")
    refused(by_code(), 422, "visit.no_distributor")
    refused(m.get("/v1/distributors/D/share", params={"channel": "a b"}), 422, "share.bad_channel")
    refused(m.get("/v1/distributors/D/share.png", params={"scale": 33}), 422, "request.invalid")
    refused(m.get("/v1/customers/Y"), 404, "customer.not_found")


# -- merchant edits ------------------------------------------------------------------------
def test_r1_12_rebind_and_unbind_are_kept_with_actor_and_reason(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D1")
    distributor(m, "D2")
    visit(m, "X", "D1")

    moved = ok(m.put("/v1/customers/X/binding", json={"distributor_id": "D2", "reason": "asked"}))
    assert moved["binding"]["distributor_id"] == "D2"
    assert moved["binding"]["source"] == "merchant"
    again = ok(m.put("/v1/customers/X/binding", json={"distributor_id": "D2"}))
    assert again["history"] == moved["history"]  # rebinding to the same one changes nothing

    gone = ok(m.delete("/v1/customers/X/binding", params={"reason": "left the program"}))
    assert gone["binding"] is None
    assert gone["attributed_to"] == "D1"  # the sharer of the first visit, for its 24 h
    assert [(b["distributor_id"], b["end_reason"], b["ended_by"]) for b in gone["history"]] == [
        ("D1", "merchant_rebind", "merchant"),
        ("D2", "merchant_unbind", "merchant"),
    ]
    assert moved["history"][1]["reason"] == "asked"
    assert ok(m.delete("/v1/customers/X/binding")) == gone  # idempotent: unbound stays unbound
    assert counts(m, "D1")[0] == counts(m, "D2")[0] == 0

    assert visit(m, "X", "D1")["outcome"] == "bind"  # unbound: a visit binds again
    assert history(m, "X")[-1] == ("D1", True, None)
    refused(m.delete("/v1/customers/NOBODY/binding"), 404, "customer.not_found")


# -- R-2 distributors -----------------------------------------------------------------------------
def test_r2_1_applications_reviewed_by_the_merchant(make_shop: MakeShop) -> None:
    m = make_shop({"application": {"review": True}}).merchant
    for cid in ("P", "Q"):
        customer(m, cid)
        assert ok(m.post("/v1/distributors", json={"customer_id": cid}), 201) == {
            "id": cid,
            "status": "pending",
            "inviter_id": None,
        }
    refused(m.get("/v1/distributors/P"), 404, "distributor.not_found")
    refused(
        m.post("/v1/visits", json={"customer_id": "X", "distributor_id": "P"}),
        422,
        "binding.not_distributor",
    )

    approved = ok(m.post("/v1/distributors/P/approve"))
    assert (approved["id"], approved["status"], approved["level"]) == ("P", "active", 1)
    assert ms(approved["became_at"]) <= now_ms()
    assert ok(m.post("/v1/distributors/P/approve")) == approved  # idempotent
    again = ok(m.post("/v1/distributors", json={"customer_id": "P"}))  # 200: already one
    assert again == {"id": "P", "status": "active", "inviter_id": None}

    rejected = ok(m.post("/v1/distributors/Q/reject", json={"reason": "no shop history"}))
    assert rejected == {"id": "Q", "status": "rejected", "inviter_id": None}
    refused(m.post("/v1/distributors/Q/approve"), 409, "distributor.not_pending", "R-2.1")
    refused(m.post("/v1/distributors/P/reject"), 409, "distributor.not_pending", "R-2.1")
    refused(m.get("/v1/distributors/Q"), 404, "distributor.not_found")
    refused(m.post("/v1/distributors", json={"customer_id": "NOBODY"}), 404, "customer.not_found")


def test_r2_1_application_conditions_must_hold(make_shop: MakeShop) -> None:
    m = make_shop({"application": {"verified_phone": True}}).merchant
    customer(m, "U", phone="13800000001")
    err = refused(
        m.post("/v1/distributors", json={"customer_id": "U"}),
        422,
        "distributor.conditions",
        "R-2.1",
    )
    assert "verified phone" in err["message"]
    refused(m.get("/v1/distributors/U"), 404, "distributor.not_found")  # nothing written

    customer(m, "V", phone="13800000002", phone_verified=True)
    assert ok(m.post("/v1/distributors", json={"customer_id": "V"}), 201)["status"] == "active"


def test_r2_2_the_inviter_never_changes(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "C1")
    distributor(m, "C2")
    visit(m, "B", "C1")
    assert ok(m.post("/v1/distributors", json={"customer_id": "B"}), 201)["inviter_id"] == "C1"
    ok(m.put("/v1/customers/B/binding", json={"distributor_id": "C2"}))
    assert get(m, "/v1/distributors/B")["inviter_id"] == "C1"
    ok(m.delete("/v1/customers/B/binding"))
    assert get(m, "/v1/distributors/B")["inviter_id"] == "C1"
    assert (invitees(m, "C1"), invitees(m, "C2")) == (["B"], [])
    assert counts(m, "C1")[2:] == (1, 1) and counts(m, "C2")[2:] == (0, 0)


def test_r2_1_dormant_when_idle_and_active_again_by_a_visit(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D", at=now_ms() - 40 * DAY)  # dormant_days is 30
    assert get(m, "/v1/distributors/D")["status"] == "dormant"
    assert visit(m, "X", "D")["bound_to"] == "D"  # B-3: a dormant distributor still takes them
    assert get(m, "/v1/distributors/D")["status"] == "active"


def test_r1_11_auto_unbind_changes_recompute_active_bindings(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    visit(m, "X", "D")
    assert get(m, "/v1/customers/X")["binding"]["expires_at"] is None
    before = now_ms()
    settings(m, binding_days=2, auto_unbind="on_expiry")
    expires = ms(get(m, "/v1/customers/X")["binding"]["expires_at"])
    assert before + 2 * DAY <= expires <= now_ms() + 2 * DAY
    settings(m, auto_unbind="never")
    assert get(m, "/v1/customers/X")["binding"]["expires_at"] is None


# -- R-4 levels -----------------------------------------------------------------------------------
def test_r4_3_levels_rise_automatically_and_by_hand_with_r4_4_progress(
    make_shop: MakeShop,
) -> None:
    s = make_shop({"levels": THREE_LEVELS})
    m = s.merchant
    distributor(m, "D")
    progress = "/v1/distributors/D/progress"
    assert get(m, progress) == {
        "level": 1,
        "next_level": 2,
        "percent": 0,
        "conditions": [{"name": "bound_customers", "current": 0, "threshold": 2, "percent": 0}],
        "shown": True,
    }
    visit(m, "X1", "D")
    assert get(m, progress)["percent"] == 50
    assert get(m, "/v1/distributors/D")["level"] == 1
    visit(m, "X2", "D")  # the second client: level 2 at once
    assert get(m, "/v1/distributors/D")["level"] == 2
    assert get(m, progress) == {
        "level": 2,
        "next_level": 3,
        "percent": 0,
        "conditions": [
            {"name": "invited_distributors", "current": 0, "threshold": 2, "percent": 0}
        ],
        "shown": True,
    }
    visit(m, "E1", "D")
    ok(m.post("/v1/distributors", json={"customer_id": "E1"}), 201)
    assert get(m, progress)["conditions"][0] == {
        "name": "invited_distributors",
        "current": 1,
        "threshold": 2,
        "percent": 50,
    }

    by_hand = ok(m.put("/v1/distributors/D/level", json={"level": 3, "reason": "top seller"}))
    assert by_hand["level"] == 3
    assert get(m, progress) == {
        "level": 3,
        "next_level": None,
        "percent": 100,
        "conditions": [],
        "shown": True,
    }
    for bad in (4, 0):
        refused(
            m.put("/v1/distributors/D/level", json={"level": bad}), 422, "level.unknown", "R-4.1"
        )
    for bad in ("2", True, 2.0, None):
        refused(m.put("/v1/distributors/D/level", json={"level": bad}), 422, "request.invalid")
    refused(s.analyst.put("/v1/distributors/D/level", json={"level": 1}), 403, "auth.forbidden")
    refused(m.put("/v1/distributors/NOBODY/level", json={"level": 2}), 404, "distributor.not_found")
    assert get(m, "/v1/distributors/D")["level"] == 3


def test_r4_3_a_level_lowered_by_hand_does_not_change_on_a_read(make_shop: MakeShop) -> None:
    m = make_shop({"levels": THREE_LEVELS}).merchant
    distributor(m, "D")
    visit(m, "X1", "D")
    visit(m, "X2", "D")
    assert get(m, "/v1/distributors/D")["level"] == 2
    assert ok(m.put("/v1/distributors/D/level", json={"level": 1}))["level"] == 1
    get(m, "/v1/distributors/D/progress")
    assert get(m, "/v1/distributors/D")["level"] == 1


def test_r4_1_one_level_is_not_shown(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    assert get(m, "/v1/distributors/D/progress") == {
        "level": 1,
        "next_level": None,
        "percent": 100,
        "conditions": [],
        "shown": False,
    }


# -- team views -----------------------------------------------------------------------------
def _chain(m: httpx.Client, ids: list[str]) -> None:
    """Each distributor invited by the one before it."""
    distributor(m, ids[0])
    for inviter, did in pairwise(ids):
        visit(m, did, inviter)
        ok(m.post("/v1/distributors", json={"customer_id": did}), 201)


def test_r2_3_tree_to_a_depth(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    _chain(m, ["C", "B", "A", "Z"])
    assert team(m, "C")["by_depth"] == [
        {"depth": 1, "distributors": 1},
        {"depth": 2, "distributors": 1},
        {"depth": 3, "distributors": 1},
    ]
    assert team(m, "C")["team_size"] == 3

    def nodes(depth: int | None = None) -> list[tuple[str, str, int]]:
        params = {} if depth is None else {"depth": depth}
        tree = get(m, "/v1/distributors/C/tree", **params)
        assert tree["root"]["id"] == "C" and tree["truncated"] is False
        return [(n["id"], n["parent_id"], n["depth"]) for n in tree["nodes"]]

    assert nodes(1) == [("B", "C", 1)]
    assert nodes(2) == [("B", "C", 1), ("A", "B", 2)]
    assert nodes() == [("B", "C", 1), ("A", "B", 2), ("Z", "A", 3)]
    assert nodes(15) == nodes()
    for bad in (0, 16, "deep"):
        refused(m.get("/v1/distributors/C/tree", params={"depth": bad}), 422, "request.invalid")


def test_lists_page_with_a_cursor(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    for i in range(5):
        visit(m, f"K{i}", "D")
    first = get(m, "/v1/distributors/D/clients", limit=2)
    assert [c["id"] for c in first["items"]] == ["K0", "K1"]
    assert first["next_cursor"] is not None
    assert all(c["via"] == "D" and ms(c["since"]) <= now_ms() for c in first["items"])
    assert clients(m, "D") == [f"K{i}" for i in range(5)]
    assert [c["id"] for c in listed(m, "/v1/distributors/D/clients", limit=2)] == clients(m, "D")
    assert get(m, "/v1/distributors/D/clients", limit=5)["next_cursor"] is None

    for i in range(3):
        ok(m.post("/v1/distributors", json={"customer_id": f"K{i}"}), 201)
    invited = listed(m, "/v1/distributors/D/invitees", limit=2)
    assert [i["id"] for i in invited] == ["K0", "K1", "K2"]
    assert all(ms(i["invited_at"]) <= now_ms() for i in invited)
    assert listed(m, "/v1/distributors/D/clients", limit=500, kind="indirect") == []

    for params in ({"limit": 501}, {"limit": 0}, {"limit": "ten"}, {"kind": "all"}):
        refused(m.get("/v1/distributors/D/clients", params=params), 422, "request.invalid")
    refused(m.get("/v1/distributors/D/invitees", params={"limit": 501}), 422, "request.invalid")


# -- roles, unknown ids and bad input -------------------------------------------------------------
def test_roles_decide_who_reads_and_edits_relationships(make_shop: MakeShop) -> None:
    s = make_shop()
    m, analyst = s.merchant, s.analyst
    distributor(m, "D1")
    distributor(m, "D2")
    visit(m, "X", "D1")

    assert get(analyst, "/v1/customers/X")["binding"]["distributor_id"] == "D1"
    assert team(analyst, "D2")["direct_clients"] == 0
    for method, path, body in [
        ("PUT", "/v1/customers/X/binding", {"distributor_id": "D2"}),
        ("DELETE", "/v1/customers/X/binding", None),
        ("POST", "/v1/visits", {"customer_id": "Y", "distributor_id": "D2"}),
        ("POST", "/v1/customers", {"id": "Y"}),
        ("POST", "/v1/distributors", {"customer_id": "X"}),
        ("POST", "/v1/distributors/D2/freeze", None),
    ]:
        refused(analyst.request(method, path, json=body), 403, "auth.forbidden")
    assert get(m, "/v1/customers/X")["binding"]["distributor_id"] == "D1"  # nothing changed
    refused(m.get("/v1/customers/Y"), 404, "customer.not_found")
    assert get(m, "/v1/distributors/D2")["status"] == "active"

    own = s.client("distributor", "D1")
    for path in ("", "/team", "/clients", "/invitees", "/tree", "/progress", "/share"):
        assert own.get(f"/v1/distributors/D1{path}").status_code == 200, path
    assert own.get("/v1/distributors/D1/share.svg").status_code == 200
    for path in ("", "/team", "/clients", "/progress", "/share.png"):
        refused(own.get(f"/v1/distributors/D2{path}"), 403, "auth.forbidden")
    refused(own.get("/v1/customers/X"), 403, "auth.forbidden")
    refused(
        own.post("/v1/visits", json={"customer_id": "Z", "distributor_id": "D1"}),
        403,
        "auth.forbidden",
    )
    refused(httpx.get(f"{s.url}/v1/distributors/D1/team"), 401, "auth.missing_key")


def test_the_relationship_endpoints_are_documented(api: Api) -> None:
    paths = httpx.get(f"{api.url}/openapi.json").json()["paths"]
    for path in (
        "/v1/customers",
        "/v1/customers/{customer_id}",
        "/v1/customers/{customer_id}/binding",
        "/v1/visits",
        "/v1/distributors",
        "/v1/distributors/{distributor_id}/approve",
        "/v1/distributors/{distributor_id}/level",
        "/v1/distributors/{distributor_id}/clients",
        "/v1/distributors/{distributor_id}/share.png",
    ):
        assert path in paths, path
    assert (
        "image/png"
        in paths["/v1/distributors/{distributor_id}/share.png"]["get"]["responses"]["200"][
            "content"
        ]
    )


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/v1/customers/NOBODY", "customer.not_found"),
        ("DELETE", "/v1/customers/NOBODY/binding", "customer.not_found"),
        ("GET", "/v1/distributors/NOBODY", "distributor.not_found"),
        ("GET", "/v1/distributors/NOBODY/team", "distributor.not_found"),
        ("GET", "/v1/distributors/NOBODY/clients", "distributor.not_found"),
        ("GET", "/v1/distributors/NOBODY/invitees", "distributor.not_found"),
        ("GET", "/v1/distributors/NOBODY/tree", "distributor.not_found"),
        ("GET", "/v1/distributors/NOBODY/progress", "distributor.not_found"),
        ("GET", "/v1/distributors/NOBODY/share", "distributor.not_found"),
        ("GET", "/v1/distributors/NOBODY/share.svg", "distributor.not_found"),
        ("GET", "/v1/distributors/NOBODY/share.png", "distributor.not_found"),
        ("POST", "/v1/distributors/NOBODY/freeze", "distributor.not_found"),
        ("POST", "/v1/distributors/NOBODY/unfreeze", "distributor.not_found"),
        ("POST", "/v1/distributors/NOBODY/approve", "customer.not_found"),  # no application
        ("POST", "/v1/distributors/NOBODY/reject", "customer.not_found"),
    ],
)
def test_unknown_ids_are_404_with_the_error_shape(
    make_shop: MakeShop, method: str, path: str, code: str
) -> None:
    refused(make_shop().merchant.request(method, path), 404, code)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/visits", {"customer_id": "X", "distributor_id": "D", "at": "yesterday"}, "at"),
        ("/v1/visits", {"customer_id": "X", "distributor_id": "D", "at": "2025-01-01T10:00"}, "at"),
        (
            "/v1/visits",
            {"customer_id": "X", "distributor_id": "D", "at": "2025-13-01T00:00Z"},
            "at",
        ),
        ("/v1/visits", {"customer_id": "X", "distributor_id": "D", "at": -5}, "at"),
        ("/v1/customers", {"id": "X", "joined_at": "last week"}, "joined_at"),
        # year 1 was taken and shown at Shanghai's local mean time (+08:05:43)
        ("/v1/customers", {"id": "X", "joined_at": "0001-01-01T00:00:00+08:00"}, "joined_at"),
        ("/v1/customers", {"id": "X", "joined_at": "1969-12-31T23:59:59Z"}, "joined_at"),
        ("/v1/distributors", {"customer_id": "D", "at": "2025-01-01 10:00"}, "at"),
    ],
)
def test_malformed_times_are_422_time_invalid(
    make_shop: MakeShop, path: str, body: dict[str, Any], field: str
) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    err = refused(m.post(path, json=body), 422, "time.invalid")
    assert err["field"] == field
    refused(m.get("/v1/customers/X"), 404, "customer.not_found")  # nothing written


def test_an_event_from_the_future_is_refused_and_ends_no_binding(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    settings(m, binding_days=3, auto_unbind="on_expiry")
    distributor(m, "D1")
    distributor(m, "D2")
    visit(m, "X", "D1")
    later = now_ms() + 10 * DAY  # a skewed integrator clock
    body = {"customer_id": "Y", "distributor_id": "D2", "at": later}
    assert refused(m.post("/v1/visits", json=body), 422, "time.future")["field"] == "at"
    joined = {"id": "Z", "joined_at": later}
    refused(m.post("/v1/customers", json=joined), 422, "time.future")
    assert get(m, "/v1/customers/X")["binding"]["distributor_id"] == "D1"  # still in force
    refused(m.get("/v1/customers/Y"), 404, "customer.not_found")
    assert visit(m, "Y", "D2", at=now_ms() + 60_000)["bound_to"] == "D2"  # small skew is fine


def test_times_are_accepted_as_iso_or_epoch_ms_and_answered_in_shop_time(
    make_shop: MakeShop,
) -> None:
    m = make_shop().merchant
    at = now_ms() - HOUR
    distributor(m, "D", at=at - DAY)
    iso = datetime.fromtimestamp(at / 1000).astimezone().isoformat(timespec="milliseconds")
    by_iso = visit(m, "X", "D", at=iso)
    assert ms(by_iso["sharer_until"]) == at + 24 * HOUR
    by_ms = visit(m, "Y", "D", at=at)
    assert by_ms["sharer_until"] == by_iso["sharer_until"]
    assert get(m, "/v1/customers/X")["binding"]["since"].endswith("+08:00")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/customers", [1, 2]),
        ("POST", "/v1/customers", "X"),
        ("POST", "/v1/customers", None),
        ("POST", "/v1/customers", {"id": 5}),
        ("POST", "/v1/customers", {"id": ""}),
        ("POST", "/v1/customers", {"id": "X", "phone_verified": "yes"}),
        ("POST", "/v1/customers", {"id": "X", "vip": True}),
        ("POST", "/v1/visits", {"customer_id": "X", "distributor_id": True}),
        ("POST", "/v1/visits", {"customer_id": "X", "distributor_id": "D", "at": True}),
        ("POST", "/v1/visits", {"customer_id": "X", "distributor_id": "D", "at": 1.5}),
        ("POST", "/v1/visits", {"customer_id": ["X"], "distributor_id": "D"}),
        ("POST", "/v1/distributors", {"customer_id": "X", "inviter_id": "D"}),
        ("POST", "/v1/distributors/D/freeze", [1]),
        ("POST", "/v1/distributors/D/freeze", {"reason": 7}),
        ("PUT", "/v1/customers/X/binding", {}),
        ("PUT", "/v1/customers/X/binding", {"distributor_id": None}),
        ("PUT", "/v1/distributors/D/level", []),
    ],
)
def test_bad_bodies_are_422_not_500(make_shop: MakeShop, method: str, path: str, body: Any) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    content = b"null" if body is None else httpx.Request("POST", "/", json=body).content
    r = m.request(method, path, content=content, headers={"Content-Type": "application/json"})
    refused(r, 422, "request.invalid")
    refused(m.get("/v1/customers/X"), 404, "customer.not_found")
    assert get(m, "/v1/distributors/D")["status"] == "active"


# -- the customer event ------------------------------------------------------------------------
def test_the_customer_event_is_idempotent_on_its_id(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    event = {"id": "X", "name": "小王", "phone": "13800000003", "joined_at": "2025-03-01T09:30:00Z"}
    created = m.post("/v1/customers", json=event)
    assert created.status_code == 201
    body = created.json()
    assert body["joined_at"] == "2025-03-01T17:30:00.000+08:00"
    assert (body["name"], body["binding"], body["history"]) == ("小王", None, [])
    repeated = m.post("/v1/customers", json=event)
    assert (repeated.status_code, repeated.json()) == (200, body)
    refused(m.post("/v1/customers", json=event | {"name": "老王"}), 409, "event.conflict")
    refused(m.post("/v1/customers", json=event | {"phone": "13900000000"}), 409, "event.conflict")
    assert get(m, "/v1/customers/X")["name"] == "小王"


def test_a_customer_joining_through_a_distributor_keeps_its_phone(make_shop: MakeShop) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    event = {"id": "X", "phone": "13800000004", "phone_verified": True, "via_distributor_id": "D"}
    assert ok(m.post("/v1/customers", json=event), 201)["binding"]["distributor_id"] == "D"
    assert ok(m.post("/v1/customers", json=event))["binding"]["distributor_id"] == "D"


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ({"joined_at": "2025-03-01T09:30:00Z"}, {"joined_at": "2025-04-01T09:30:00Z"}),
        ({"phone": "13800000005"}, {"phone": "13800000005", "phone_verified": True}),
        ({}, {"via_distributor_id": "D"}),
    ],
)
def test_the_same_customer_id_with_another_body_is_409(
    make_shop: MakeShop, first: dict[str, Any], again: dict[str, Any]
) -> None:
    m = make_shop().merchant
    distributor(m, "D")
    before = customer(m, "X", **first)
    refused(m.post("/v1/customers", json={"id": "X", **again}), 409, "event.conflict")
    assert get(m, "/v1/customers/X") == before


@pytest.mark.parametrize("bad", ["a\u0001", " ", "c1\u200b", "\u202eevil", "x\x00"])
def test_an_id_with_control_or_invisible_characters_is_422_and_the_engine_lives(
    make_shop: MakeShop, bad: str
) -> None:
    """docs/choices.md I-1: FalkorDB 4.16 died on `{"id": "a\\u0001"}` and `{"id": " "}`, taking
    every shop on it down; the id is now refused before any engine sees it, in a body or a path."""
    s = make_shop()
    m = s.merchant
    r = m.post("/v1/customers", json={"id": bad})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "id"
    r = m.post("/v1/customers", json={"id": "X", "via_distributor_id": bad})
    assert r.status_code == 422 and r.json()["error"]["field"] == "via_distributor_id"
    assert m.get(f"/v1/customers/{quote(bad)}").status_code in (404, 422)
    assert m.get("/v1/health").json()["answers"] is True
    ok(m.post("/v1/customers", json={"id": "after"}), 201)
