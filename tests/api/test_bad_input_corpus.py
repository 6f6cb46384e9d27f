"""The bad-input corpus (issue 14): malformed requests over every write endpoint, each refused
with its stable error code and nothing written, on the real API over HTTP on each engine.

:data:`CORPUS` is the table: one :class:`Bad` per request, with the status and the
``{"error": {"code"}}`` it must answer (docs/api.md "Errors": bad input is never a 500). Each row
runs against one seeded shop per engine (:func:`seeded`) and checks, besides its answer, that the
shop's whole graph (every node and edge with its properties, ``dump.*``) is the same after it as
before; :func:`test_after_the_whole_corpus` then checks the counts against the seed and that
the engine still answers. A row that found a bug when it was written says so in its note.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from teamgraph.api.schemas import MAX_BODY_BYTES
from teamgraph.clock import now_ms
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.api.conftest import Api
from tests.api.test_relationships import customer, distributor, ok, visit
from tests.conftest import new_shop_id, whole_graph

HOUR = 3_600_000
DAY = 24 * HOUR
JSON = {"content-type": "application/json"}
ACCOUNT = "6222021234567890"
NESTED = 100_000
"""Depth of the deeply nested body: far beyond Python's recursion limit."""
LARGE = MAX_BODY_BYTES + 1
"""Size of the too-large body (docs/api.md "Request bodies")."""


@dataclass(frozen=True)
class Bad:
    """One malformed request and what it must answer."""

    name: str
    method: str
    path: str
    status: int
    code: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    role: str | None = "merchant"
    chunked: bool = False
    """Send ``content`` in pieces without a ``Content-Length``."""
    rule: str | None = None
    """The ``rule`` the error must cite, when it cites one (R-3.9 for money that is no integer)."""


def _post(name: str, path: str, body: Any, status: int, code: str, **kw: Any) -> Bad:
    return Bad(name, "POST", path, status, code, json=body, **kw)


def _raw(name: str, path: str, content: bytes, status: int, code: str, **kw: Any) -> Bad:
    kw.setdefault("headers", JSON)
    return Bad(name, "POST", path, status, code, content=content, **kw)


def _ids(path: str, make: Any) -> list[Bad]:
    """An id field given every kind of value the id rule refuses (docs/choices.md I-1)."""
    values = {
        "int": 1,
        "null": None,
        "list": ["x"],
        "empty": "",
        "blank": "   ",
        "tab": "\t",
        "nul": "a\x00b",
        "u0001": "a\x01",
        "del": "a\x7f",
        "c1-nel": "a\x85",
        "zero-width": "c1\u200b",
        "bidi-override": "\u202egnp.exe",
        "bom": "\ufeffc1",
        "line-separator": "a\u2028b",
        "too-long": "x" * 129,
    }
    return [
        _post(f"{path} id {kind}", path, make(value), 422, "request.invalid")
        for kind, value in values.items()
    ]


C = "/v1/customers"
V = "/v1/visits"
D = "/v1/distributors"
P = "/v1/products"
O = "/v1/orders"  # noqa: E741 - the path, read beside C, V, D, P, W
W = "/v1/withdrawals"
ORDER = {"id": "o-new", "customer_id": "C1", "lines": [{"product_id": "P1", "paid_fen": 1000}]}
WITHDRAWAL = {"distributor_id": "D", "amount_fen": 500, "method": "bank", "account": ACCOUNT}


def _line(**fields: Any) -> dict[str, Any]:
    return ORDER | {"lines": [{"product_id": "P1", "paid_fen": 1000} | fields]}


CORPUS: list[Bad] = [
    # -- customers -------------------------------------------------------------------------------
    *_ids(C, lambda v: {"id": v}),
    _post("customer without id", C, {"name": "x"}, 422, "request.invalid"),
    _post("customer unknown field", C, {"id": "n1", "vip": True}, 422, "request.invalid"),
    _post("customer name int", C, {"id": "n1", "name": 7}, 422, "request.invalid"),
    _post("customer name empty", C, {"id": "n1", "name": ""}, 422, "request.invalid"),
    _post("customer name too long", C, {"id": "n1", "name": "名" * 101}, 422, "request.invalid"),
    _post("customer phone_verified text", C, {"id": "n1", "phone_verified": "yes"}, 422,
          "request.invalid"),
    _post("customer joined_at no zone", C, {"id": "n1", "joined_at": "2025-06-01T10:00:00"},
          422, "time.invalid"),
    _post("customer joined_at year 1", C, {"id": "n1", "joined_at": "0001-01-01T00:00:00+08:00"},
          422, "time.invalid"),
    _post("customer joined_at year 3000", C,
          {"id": "n1", "joined_at": "3000-06-01T00:00:00+00:00"}, 422, "time.invalid"),
    _post("customer joined_at future", C,
          {"id": "n1", "joined_at": "2999-01-01T00:00:00+08:00"}, 422, "time.future"),
    _post("customer joined_at negative ms", C, {"id": "n1", "joined_at": -1}, 422,
          "time.invalid"),
    _post("customer joined_at 10^20 ms", C, {"id": "n1", "joined_at": 10**20}, 422,
          "time.invalid"),
    _post("customer joined_at float", C, {"id": "n1", "joined_at": 1.5e12}, 422,
          "request.invalid"),
    _post("customer joined_at words", C, {"id": "n1", "joined_at": "yesterday"}, 422,
          "time.invalid"),
    _post("customer joined_at bool", C, {"id": "n1", "joined_at": True}, 422, "request.invalid"),
    _post("customer via unknown distributor", C, {"id": "n1", "via_distributor_id": "ghost"},
          404, "distributor.not_found"),
    _post("customer via a non-distributor", C, {"id": "n1", "via_distributor_id": "C1"}, 422,
          "binding.not_distributor", rule="R-2.1"),
    _post("customer via id with NUL", C, {"id": "n1", "via_distributor_id": "D\x00"}, 422,
          "request.invalid"),
    _post("customer same id other name", C, {"id": "C1", "name": "Bob"}, 409, "event.conflict"),
    # -- bodies that are not what they should be ----------------------------------------------
    _raw("body not JSON", C, b'{"id": "n1",', 422, "request.invalid"),
    _raw("body JSON array", C, b'["n1"]', 422, "request.invalid"),
    _raw("body JSON string", C, b'"n1"', 422, "request.invalid"),
    _raw("body JSON null", C, b"null", 422, "request.invalid"),
    _raw("body JSON number", C, b"42", 422, "request.invalid"),
    _raw("body empty", C, b"", 422, "request.invalid"),
    _raw("body NaN", C, b'{"id": "n1", "joined_at": NaN}', 422, "request.invalid"),
    _raw("body Infinity money", P, b'{"id": "n1", "name": "x", "price_fen": Infinity}', 422,
         "request.invalid", rule="R-3.9"),
    _raw("body invalid UTF-8", C, b'{"id": "n1\xff\xfe"}', 422, "request.invalid"),
    _raw("body lone surrogate escape", C, b'{"id": "n\\ud800"}', 422, "request.invalid"),
    _raw("body NUL byte", C, b'{"id": "n1"}\x00', 422, "request.invalid"),
    # found a bug: a JSON nesting past Python's recursion limit was a 500 (RecursionError)
    _raw("body nested 100k arrays", C,
         b'{"id": "n1", "name": ' + b"[" * NESTED + b"]" * NESTED + b"}", 422,
         "request.invalid"),
    _raw("body nested 100k objects", P,
         b'{"id": "n1", "name": ' + b'{"a":' * NESTED + b"1" + b"}" * NESTED + b"}", 422,
         "request.invalid"),
    # found a gap: a body of any size was read whole into memory before it was refused
    _raw("body too large", C, b'{"id": "n1", "name": "' + b"x" * LARGE + b'"}', 413,
         "request.too_large"),
    _raw("body too large chunked", C, b'{"id": "n1", "name": "' + b"x" * LARGE + b'"}', 413,
         "request.too_large", chunked=True),
    _raw("body text/plain", C, b'{"id": "n1"}', 422, "request.invalid",
         headers={"content-type": "text/plain"}),
    _raw("body form-encoded", C, b"id=n1", 422, "request.invalid",
         headers={"content-type": "application/x-www-form-urlencoded"}),
    _raw("body multipart", C, b"--x\r\n\r\n--x--", 422, "request.invalid",
         headers={"content-type": "multipart/form-data; boundary=x"}),
    # -- ids in the path -------------------------------------------------------------------------
    Bad("path id NUL (GET)", "GET", f"{C}/a%00b", 422, "id.invalid"),
    Bad("path id U+0001 (GET)", "GET", f"{C}/a%01", 422, "id.invalid"),
    Bad("path id zero-width (GET)", "GET", f"{C}/C1%E2%80%8B", 422, "id.invalid"),
    Bad("path id NUL rebind", "PUT", f"{C}/a%00b/binding", 422, "id.invalid",
        json={"distributor_id": "D"}),
    Bad("path id NUL unbind", "DELETE", f"{C}/a%00b/binding", 422, "id.invalid"),
    Bad("path id bidi freeze", "POST", f"{D}/D%E2%80%AE/freeze", 422, "id.invalid"),
    Bad("path id NUL level", "PUT", f"{D}/D%00/level", 422, "id.invalid", json={"level": 1}),
    Bad("path id NUL complete", "POST", f"{O}/o%00/complete", 422, "id.invalid"),
    Bad("path id NUL refund", "POST", f"{O}/o%00/refunds", 422, "id.invalid",
        json={"id": "r-new", "amount_fen": 100}),
    Bad("path id NUL withdrawal approve", "POST", f"{W}/w%00/approve", 422, "id.invalid"),
    Bad("path id blank approve", "POST", f"{D}/%20/approve", 422, "id.invalid"),
    # -- customers' bindings ---------------------------------------------------------------------
    Bad("rebind unknown customer", "PUT", f"{C}/ghost/binding", 404, "customer.not_found",
        json={"distributor_id": "D"}),
    Bad("rebind to unknown distributor", "PUT", f"{C}/C1/binding", 404, "distributor.not_found",
        json={"distributor_id": "ghost"}),
    Bad("rebind no body", "PUT", f"{C}/C1/binding", 422, "request.invalid"),
    Bad("rebind distributor id list", "PUT", f"{C}/C1/binding", 422, "request.invalid",
        json={"distributor_id": ["D"]}),
    Bad("unbind empty reason", "DELETE", f"{C}/C1/binding?reason=", 422, "request.invalid"),
    Bad("unbind unknown customer", "DELETE", f"{C}/ghost/binding", 404, "customer.not_found"),
    # -- visits ----------------------------------------------------------------------------------
    *_ids(V, lambda v: {"customer_id": v, "distributor_id": "D"}),
    _post("visit empty", V, {}, 422, "request.invalid"),
    _post("visit id and code", V, {"customer_id": "n1", "distributor_id": "D", "code": "ABCD"},
          422, "visit.ambiguous"),
    _post("visit neither id nor code", V, {"customer_id": "n1"}, 422, "visit.no_distributor"),
    _post("visit unknown code", V, {"customer_id": "n1", "code": "NOPE1234"}, 404,
          "share.unknown_code"),
    _post("visit unknown distributor", V, {"customer_id": "n1", "distributor_id": "ghost"}, 404,
          "distributor.not_found"),
    _post("visit at no zone", V, {"customer_id": "n1", "distributor_id": "D",
                                  "at": "2025-06-01 10:00"}, 422, "time.invalid"),
    _post("visit at future", V, {"customer_id": "n1", "distributor_id": "D",
                                 "at": "2999-01-01T00:00:00+08:00"}, 422, "time.future"),
    _post("visit channel empty", V, {"customer_id": "n1", "distributor_id": "D", "channel": ""},
          422, "request.invalid"),
    # -- distributors ----------------------------------------------------------------------------
    _post("apply empty", D, {}, 422, "request.invalid"),
    _post("apply unknown customer", D, {"customer_id": "ghost"}, 404, "customer.not_found"),
    _post("apply unknown field", D, {"customer_id": "C1", "level": 2}, 422, "request.invalid"),
    _post("apply at no zone", D, {"customer_id": "C1", "at": "2025-01-01T00:00:00"}, 422,
          "time.invalid"),
    _post("apply id with NUL", D, {"customer_id": "C1\x00"}, 422, "request.invalid"),
    _post("approve unknown", f"{D}/ghost/approve", None, 404, "customer.not_found"),
    _post("reject a customer that never applied", f"{D}/C1/reject", None, 409,
          "distributor.not_pending"),
    _post("freeze unknown", f"{D}/ghost/freeze", None, 404, "distributor.not_found"),
    _post("freeze empty reason", f"{D}/D/freeze", {"reason": ""}, 422, "request.invalid"),
    _post("freeze reason too long", f"{D}/D/freeze", {"reason": "x" * 501}, 422,
          "request.invalid"),
    _post("freeze body a list", f"{D}/D/freeze", ["frozen"], 422, "request.invalid"),
    Bad("level text", "PUT", f"{D}/D/level", 422, "request.invalid", json={"level": "2"}),
    Bad("level float", "PUT", f"{D}/D/level", 422, "request.invalid", json={"level": 1.0}),
    Bad("level unknown", "PUT", f"{D}/D/level", 422, "level.unknown", json={"level": 99}),
    Bad("level negative", "PUT", f"{D}/D/level", 422, "level.unknown", json={"level": -1}),
    Bad("level 2^64", "PUT", f"{D}/D/level", 422, "level.unknown", json={"level": 2**64}),
    Bad("level unknown distributor", "PUT", f"{D}/ghost/level", 404, "distributor.not_found",
        json={"level": 1}),
    # -- products --------------------------------------------------------------------------------
    *_ids(P, lambda v: {"id": v, "name": "x", "price_fen": 100}),
    _post("product empty", P, {}, 422, "request.invalid"),
    _post("product without name", P, {"id": "n1", "price_fen": 100}, 422, "request.invalid"),
    _post("product price negative", P, {"id": "n1", "name": "x", "price_fen": -1}, 422,
          "request.invalid"),
    _post("product price float", P, {"id": "n1", "name": "x", "price_fen": 99.5}, 422,
          "request.invalid", rule="R-3.9"),
    _post("product price integral float", P, {"id": "n1", "name": "x", "price_fen": 100.0}, 422,
          "request.invalid", rule="R-3.9"),
    _post("product price text", P, {"id": "n1", "name": "x", "price_fen": "100"}, 422,
          "request.invalid", rule="R-3.9"),
    _post("product price bool", P, {"id": "n1", "name": "x", "price_fen": True}, 422,
          "request.invalid", rule="R-3.9"),
    _post("product price 10^20", P, {"id": "n1", "name": "x", "price_fen": 10**20}, 422,
          "request.invalid"),
    _post("product cost negative", P, {"id": "n1", "name": "x", "price_fen": 1, "cost_fen": -1},
          422, "request.invalid"),
    _post("product rate above cap", P, {"id": "n1", "name": "x", "price_fen": 1,
                                        "reward_bp": 6000}, 422, "product.rate_cap",
          rule="R-3.3"),  # found a wrong code: it was settings.rate_cap
    _post("product rate negative", P, {"id": "n1", "name": "x", "price_fen": 1,
                                       "reward_bp": -1}, 422, "product.reward"),
    _post("product rate float", P, {"id": "n1", "name": "x", "price_fen": 1,
                                    "reward_bp": 10.5}, 422, "request.invalid", rule="R-3.9"),
    _post("product rate and amount", P, {"id": "n1", "name": "x", "price_fen": 1,
                                         "reward_bp": 100, "reward_fen": 5}, 422,
          "product.reward"),
    _post("product amount negative", P, {"id": "n1", "name": "x", "price_fen": 1,
                                         "reward_fen": -5}, 422, "product.reward"),
    # -- orders ----------------------------------------------------------------------------------
    *_ids(O, lambda v: ORDER | {"id": v}),
    _post("order id with a space", O, ORDER | {"id": "o 1"}, 422, "request.invalid"),
    _post("order id with a colon", O, ORDER | {"id": "o:1"}, 422, "request.invalid"),
    _post("order empty", O, {}, 422, "request.invalid"),
    _post("order without lines", O, {"id": "o-new", "customer_id": "C1"}, 422,
          "request.invalid"),
    _post("order no lines", O, ORDER | {"lines": []}, 422, "order.lines"),
    _post("order 201 lines", O, ORDER | {"lines": ORDER["lines"] * 201}, 422, "request.invalid"),
    _post("order lines an object", O, ORDER | {"lines": ORDER["lines"][0]}, 422,
          "request.invalid"),
    _post("order unknown customer", O, ORDER | {"customer_id": "ghost"}, 404,
          "customer.not_found"),
    _post("order customer id bidi", O, ORDER | {"customer_id": "C1\u202e"}, 422,
          "request.invalid"),
    _post("order line product id zero-width", O, _line(product_id="\u200b"), 422,
          "request.invalid"),
    _post("order line unknown field", O, _line(discount_fen=5), 422, "request.invalid"),
    _post("order paid negative", O, _line(paid_fen=-100), 422, "order.line"),
    _post("order paid float", O, _line(paid_fen=10.5), 422, "request.invalid", rule="R-3.9"),
    _post("order paid text", O, _line(paid_fen="1000"), 422, "request.invalid", rule="R-3.9"),
    _post("order paid 10^20", O, _line(paid_fen=10**20), 422, "request.invalid"),
    _post("order paid null", O, _line(paid_fen=None), 422, "request.invalid"),
    _post("order split above paid", O, _line(split_fen=2000), 422, "order.line"),
    _post("order split negative", O, _line(split_fen=-1), 422, "order.line"),
    _post("order cost negative", O, _line(cost_fen=-1), 422, "order.line"),
    _post("order qty zero", O, _line(qty=0), 422, "order.line"),
    _post("order qty negative", O, _line(qty=-1), 422, "order.line"),
    _post("order qty huge", O, _line(qty=10**7), 422, "request.invalid"),
    _post("order qty float", O, _line(qty=1.0), 422, "request.invalid"),
    _post("order paid_at no zone", O, ORDER | {"paid_at": "2025-06-01T10:00:00"}, 422,
          "time.invalid"),
    _post("order paid_at before 1970", O, ORDER | {"paid_at": "1969-12-31T23:59:59+00:00"}, 422,
          "time.invalid"),
    _post("order paid_at future", O, ORDER | {"paid_at": "2999-12-31T00:00:00+08:00"}, 422,
          "time.future"),
    _post("order same id other lines", O, ORDER | {"id": "O1"}, 409, "event.conflict"),
    _post("complete unknown order", f"{O}/ghost/complete", None, 404, "order.not_found"),
    _post("complete at words", f"{O}/O2/complete", {"at": "tomorrow"}, 422, "time.invalid"),
    _post("complete before payment", f"{O}/O2/complete", {"at": 1000}, 422,
          "order.complete_at"),
    _post("complete unknown field", f"{O}/O2/complete", {"when": 1000}, 422, "request.invalid"),
    # -- refunds ---------------------------------------------------------------------------------
    _post("refund empty", f"{O}/O1/refunds", {}, 422, "request.invalid"),
    _post("refund id blank", f"{O}/O1/refunds", {"id": " ", "amount_fen": 100}, 422,
          "request.invalid"),
    _post("refund id with a colon", f"{O}/O1/refunds", {"id": "r:1", "amount_fen": 100}, 422,
          "request.invalid"),
    _post("refund zero", f"{O}/O1/refunds", {"id": "r-new", "amount_fen": 0}, 422,
          "refund.amount"),
    _post("refund negative", f"{O}/O1/refunds", {"id": "r-new", "amount_fen": -100}, 422,
          "refund.amount"),
    _post("refund float", f"{O}/O1/refunds", {"id": "r-new", "amount_fen": 100.5}, 422,
          "request.invalid", rule="R-3.9"),
    _post("refund text", f"{O}/O1/refunds", {"id": "r-new", "amount_fen": "100"}, 422,
          "request.invalid", rule="R-3.9"),
    _post("refund more than paid", f"{O}/O1/refunds", {"id": "r-new", "amount_fen": 10**6}, 422,
          "refund.too_much"),
    _post("refund 10^20", f"{O}/O1/refunds", {"id": "r-new", "amount_fen": 10**20}, 422,
          "refund.too_much"),
    _post("refund 2^63", f"{O}/O1/refunds", {"id": "r-new", "amount_fen": 2**63}, 422,
          "refund.too_much"),
    _post("refund unknown order", f"{O}/ghost/refunds", {"id": "r-new", "amount_fen": 100}, 404,
          "order.not_found"),
    _post("refund same id other amount", f"{O}/O1/refunds", {"id": "R1", "amount_fen": 200}, 409,
          "event.conflict"),
    _post("refund at no zone", f"{O}/O1/refunds",
          {"id": "r-new", "amount_fen": 100, "at": "2025-06-01T10:00"}, 422, "time.invalid"),
    _post("refund product id NUL", f"{O}/O1/refunds",
          {"id": "r-new", "amount_fen": 100, "product_id": "P\x00"}, 422, "request.invalid"),
    # -- withdrawals -----------------------------------------------------------------------------
    *_ids(W, lambda v: WITHDRAWAL | {"distributor_id": v}),
    _post("withdrawal empty", W, {}, 422, "request.invalid"),
    _post("withdrawal amount float", W, WITHDRAWAL | {"amount_fen": 500.0}, 422,
          "request.invalid", rule="R-3.9"),
    _post("withdrawal amount negative", W, WITHDRAWAL | {"amount_fen": -500}, 422,
          "withdrawal.amount"),
    _post("withdrawal amount zero", W, WITHDRAWAL | {"amount_fen": 0}, 422, "withdrawal.amount"),
    _post("withdrawal amount 10^20", W, WITHDRAWAL | {"amount_fen": 10**20}, 422,
          "withdrawal.amount"),
    _post("withdrawal more than settled", W, WITHDRAWAL | {"amount_fen": 400_000}, 422,
          "withdrawal.insufficient"),
    _post("withdrawal unknown method", W, WITHDRAWAL | {"method": "crypto"}, 422,
          "withdrawal.method"),
    _post("withdrawal account formula", W, WITHDRAWAL | {"account": "=1+1"}, 422,
          "request.invalid"),
    _post("withdrawal account plus", W, WITHDRAWAL | {"account": "+1+1"}, 422, "request.invalid"),
    _post("withdrawal account NUL", W, WITHDRAWAL | {"account": "6222\x000"}, 422,
          "request.invalid"),
    _post("withdrawal holder formula", W, WITHDRAWAL | {"holder": "@SUM(A1)"}, 422,
          "request.invalid"),
    _post("withdrawal holder control", W, WITHDRAWAL | {"holder": "张\x01三"}, 422,
          "request.invalid"),
    _post("withdrawal unknown distributor", W, WITHDRAWAL | {"distributor_id": "ghost"}, 404,
          "distributor.not_found"),
    _post("withdrawal id with a space", W, WITHDRAWAL | {"id": "w 1"}, 422, "request.invalid"),
    _post("withdrawal same id other amount", W, WITHDRAWAL | {"id": "W1", "amount_fen": 600},
          409, "event.conflict"),
    _post("withdrawal batch empty", f"{W}/approve", {"ids": []}, 422, "request.invalid"),
    _post("withdrawal batch 1001 ids", f"{W}/approve", {"ids": ["W1"] * 1001}, 422,
          "request.invalid"),
    _post("withdrawal batch id NUL", f"{W}/approve", {"ids": ["W1", "w\x00"]}, 422,
          "request.invalid"),
    _post("withdrawal batch unknown id", f"{W}/approve", {"ids": ["W1", "ghost"]}, 404,
          "withdrawal.not_found"),
    _post("withdrawal batch paid unapproved", f"{W}/paid", {"ids": ["W1"]}, 409,
          "withdrawal.state"),
    _post("withdrawal approve unknown", f"{W}/ghost/approve", None, 404, "withdrawal.not_found"),
    _post("withdrawal pay unapproved", f"{W}/W1/paid", None, 409, "withdrawal.state"),
    # -- settings --------------------------------------------------------------------------------
    Bad("settings settle_days float", "PUT", "/v1/settings", 422, "settings.invalid",
        json={"settle_days": 1.5}),
    Bad("settings settle_days negative", "PUT", "/v1/settings", 422, "settings.invalid",
        json={"settle_days": -1}),
    Bad("settings tiers text", "PUT", "/v1/settings", 422, "settings.invalid",
        json={"tiers": "two"}),
    Bad("settings unknown field", "PUT", "/v1/settings", 422, "settings.unknown_field",
        json={"bogus": 1}),
    Bad("settings timezone unknown", "PUT", "/v1/settings", 422, "settings.invalid",
        json={"timezone": "Mars/Olympus"}),
    Bad("settings rate above cap", "PUT", "/v1/settings", 422, "settings.rate_cap",
        json={"levels": [{"level": 1, "name": "x", "reward_bp": 6000}]}),
    Bad("settings min above max", "PUT", "/v1/settings", 422, "settings.withdrawal",
        json={"withdrawal": {"min_fen": 500, "max_fen": 100}}),
    Bad("settings a list", "PUT", "/v1/settings", 422, "request.invalid", json=[1]),
    Bad("settings not JSON", "PUT", "/v1/settings", 422, "request.invalid", content=b"{tiers: 2}",
        headers=JSON),
    # -- who may write ---------------------------------------------------------------------------
    _post("no key", C, {"id": "n1"}, 401, "auth.missing_key", role=None),
    _post("garbage key", C, {"id": "n1"}, 401, "auth.invalid_key", role="garbage"),
    _post("analyst writes", C, {"id": "n1"}, 403, "auth.forbidden", role="analyst"),
    Bad("method not allowed", "PATCH", C, 405, "http.method_not_allowed", json={"id": "n1"}),
    _post("unknown path", "/v1/customerz", {"id": "n1"}, 404, "http.not_found"),
]  # fmt: skip


# -- the shop the corpus runs against ------------------------------------------------------------
@dataclass
class Seeded:
    """One seeded shop per engine and a client per role; ``before`` is the graph as seeded."""

    shop: Shop
    clients: dict[str, httpx.Client]
    before: dict[str, list[str]]
    counts: dict[str, int]
    last: dict[str, list[str]]
    """The graph after the last row: each row is held to writing nothing itself."""


def seed(m: httpx.Client) -> None:
    """A distributor D with a settled balance (its client X paid order O1 20 days ago, completed
    the next day), a refund R1 of it, a withdrawal W1 requested; a customer C1 with an order O2
    not completed; a product P1."""
    t = now_ms() - 20 * DAY
    distributor(m, "D")
    visit(m, "X", "D", at=t - HOUR)
    customer(m, "C1", name="Ann")
    ok(m.post(P, json={"id": "P1", "name": "茶", "price_fen": 1000}))
    lines = [{"product_id": "P1", "paid_fen": 50_000}]
    ok(m.post(O, json={"id": "O1", "customer_id": "X", "lines": lines, "paid_at": t}), 201)
    ok(m.post(f"{O}/O1/complete", json={"at": t + DAY}))
    ok(m.post(f"{O}/O1/refunds", json={"id": "R1", "amount_fen": 1000, "at": t + 2 * DAY}), 201)
    ok(m.post(O, json={"id": "O2", "customer_id": "C1", "lines": lines}), 201)
    ok(m.post(W, json=WITHDRAWAL | {"id": "W1"}), 201)


@pytest.fixture(scope="module")
def seeded(engine: Engine, api: Api) -> Iterator[Seeded]:
    shop = Shop.create(engine, new_shop_id("bad"))
    keys = {role: shop.create_key(role) for role in ("merchant", "analyst")}
    clients = {
        role: httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
        for role, key in (keys | {"garbage": "garbage.key"}).items()
    }
    clients[""] = httpx.Client(base_url=api.url, timeout=60)
    seed(clients["merchant"])
    # a key's first use records it (K-6, a minute's granularity): done here, not by a row
    ok(clients["analyst"].get("/v1/settings"))
    before = whole_graph(shop.store)
    yield Seeded(shop, clients, before, shop.counts(), before)
    for client in clients.values():
        client.close()
    shop.store.drop()


def send(s: Seeded, bad: Bad) -> httpx.Response:
    client = s.clients[bad.role or ""]
    kw: dict[str, Any] = {"headers": bad.headers}
    if bad.content is not None:
        kw["content"] = _pieces(bad.content) if bad.chunked else bad.content
    elif bad.json is not None:
        kw["content"] = json.dumps(bad.json).encode()
        kw["headers"] = JSON | bad.headers
    return client.request(bad.method, bad.path, **kw)


def _pieces(content: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


# -- the tests -------------------------------------------------------------------------------------
def test_the_corpus_is_a_table_of_distinct_rows() -> None:
    names = [bad.name for bad in CORPUS]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    assert len(CORPUS) >= 100
    assert all(bad.status >= 400 for bad in CORPUS)


@pytest.mark.parametrize("bad", CORPUS, ids=[bad.name for bad in CORPUS])
def test_refused_with_its_code_and_nothing_written(seeded: Seeded, bad: Bad) -> None:
    response = send(seeded, bad)
    after = whole_graph(seeded.shop.store)
    written, seeded.last = after != seeded.last, after
    assert response.status_code == bad.status, response.text[:500]
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == bad.code, body
    if bad.rule is not None:
        assert body["error"]["rule"] == bad.rule, body
    assert not written, "the request wrote to the shop"


def test_after_the_whole_corpus(seeded: Seeded) -> None:
    assert (
        seeded.shop.counts()
        == seeded.counts
        == {
            "customers": 3,
            "distributors": 1,
            "orders": 2,
        }
    )
    assert whole_graph(seeded.shop.store) == seeded.before
    assert seeded.clients[""].get("/v1/health").status_code == 200
    m = seeded.clients["merchant"]
    assert ok(m.get(f"{C}/C1"))["name"] == "Ann"
    assert ok(m.get(f"{W}/W1"))["status"] == "requested"
