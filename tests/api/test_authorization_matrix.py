"""The authorization matrix, generated from the OpenAPI operations (issue 14): every operation
the running API serves × every kind of caller, each answer checked against :data:`RULES`, the
declared table of who may call what (docs/api.md "Authentication and roles"; the role sets are
teamgraph.callers' MERCHANT, READERS and EVERYONE). An operation the table does not name fails
the test, so a new endpoint cannot ship without a rule, and a rule for an operation that is no
longer served fails it too.

The callers: no key, a garbage key, this shop's id with another shop's secret (swapped), the
merchant key of another shop, this shop's distributor key for its own distributor and for
another's objects, the analyst and the merchant. Expected:

- no key, garbage, swapped: 401 (``auth.missing_key`` / ``auth.invalid_key``);
- a refused role: 403 ``auth.forbidden`` (a distributor key asking for another distributor's
  withdrawal: the 404 an unknown id gets);
- an allowed role: 2xx, or 404/409/422 for the dummy ids and bodies, never 401/403;
- another shop's merchant key opens its own (empty) shop only: 2xx answers never carry this
  shop's ids; and nobody ever gets a 5xx.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from teamgraph.callers import EVERYONE, MERCHANT, READERS
from teamgraph.graph import Engine
from teamgraph.shop import Role, Shop
from tests.api.conftest import Api, ShopApi
from tests.api.test_money import earn, withdraw
from tests.api.test_relationships import distributor, ok, visit

MakeShop = Any


@dataclass(frozen=True)
class Rule:
    """Who may call an operation. ``own``: a distributor key only for its own distributor
    (``others`` is then what it gets for another's: 403, or 404 where a 403 would tell which
    ids exist)."""

    roles: tuple[Role, ...]
    own: bool = False
    others: int = 403
    public: bool = False


PUBLIC = Rule((), public=True)
MERCHANT_ONLY = Rule(MERCHANT)
READ = Rule(READERS)
TEAM_VIEW = Rule(EVERYONE, own=True)
ANY_KEY = Rule(EVERYONE)

RULES: dict[str, Rule] = {
    "GET /v1/health": PUBLIC,
    "GET /v1/settings": READ,
    "PUT /v1/settings": MERCHANT_ONLY,
    "PUT /v1/settings/poster": MERCHANT_ONLY,
    "DELETE /v1/settings/poster": MERCHANT_ONLY,
    "POST /v1/customers": MERCHANT_ONLY,
    "GET /v1/customers/{customer_id}": READ,
    "PUT /v1/customers/{customer_id}/binding": MERCHANT_ONLY,
    "DELETE /v1/customers/{customer_id}/binding": MERCHANT_ONLY,
    "POST /v1/visits": MERCHANT_ONLY,
    "POST /v1/distributors": MERCHANT_ONLY,
    "POST /v1/distributors/{distributor_id}/approve": MERCHANT_ONLY,
    "POST /v1/distributors/{distributor_id}/reject": MERCHANT_ONLY,
    "POST /v1/distributors/{distributor_id}/freeze": MERCHANT_ONLY,
    "POST /v1/distributors/{distributor_id}/unfreeze": MERCHANT_ONLY,
    "PUT /v1/distributors/{distributor_id}/level": MERCHANT_ONLY,
    "POST /v1/distributors/{distributor_id}/sessions": MERCHANT_ONLY,
    "GET /v1/distributors/{distributor_id}": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/team": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/clients": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/invitees": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/tree": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/progress": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/badges": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/ledger": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/share": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/share.svg": TEAM_VIEW,
    "GET /v1/distributors/{distributor_id}/share.png": TEAM_VIEW,
    "POST /v1/products": MERCHANT_ONLY,
    "POST /v1/orders": MERCHANT_ONLY,
    "GET /v1/orders/{order_id}": READ,
    "POST /v1/orders/{order_id}/complete": MERCHANT_ONLY,
    "POST /v1/orders/{order_id}/refunds": MERCHANT_ONLY,
    "POST /v1/withdrawals": Rule(("merchant", "distributor"), own=True),
    "GET /v1/withdrawals": Rule(EVERYONE, own=True),  # the distributor_id filter
    "GET /v1/withdrawals/{withdrawal_id}": Rule(EVERYONE, own=True, others=404),
    "POST /v1/withdrawals/approve": MERCHANT_ONLY,
    "POST /v1/withdrawals/reject": MERCHANT_ONLY,
    "POST /v1/withdrawals/paid": MERCHANT_ONLY,
    "POST /v1/withdrawals/{withdrawal_id}/approve": MERCHANT_ONLY,
    "POST /v1/withdrawals/{withdrawal_id}/reject": MERCHANT_ONLY,
    "POST /v1/withdrawals/{withdrawal_id}/paid": MERCHANT_ONLY,
    "GET /v1/leaderboard": ANY_KEY,  # a distributor key sees the others without ids (U-9)
    "GET /v1/rings": READ,
    "GET /v1/rings/{ring_id}": READ,
    "POST /v1/rings/{ring_id}/freeze": READ,  # the analyst's risk actions
    "POST /v1/rings/{ring_id}/release": READ,
    "POST /v1/rings/{ring_id}/review": READ,  # issue 18: the analyst's verdict
    "GET /v1/rings/evaluation": READ,
    # issue 16: keys (the merchant's) and the audit log (merchant and analyst)
    "POST /v1/keys": MERCHANT_ONLY,
    "GET /v1/keys": MERCHANT_ONLY,
    "GET /v1/keys/{key_id}": MERCHANT_ONLY,
    "POST /v1/keys/{key_id}/revoke": MERCHANT_ONLY,
    "POST /v1/keys/{key_id}/rotate": MERCHANT_ONLY,
    "GET /v1/audit": READ,
    # webhooks (issue 16): an endpoint receives every distributor's events
    "POST /v1/webhooks": MERCHANT_ONLY,
    "GET /v1/webhooks": MERCHANT_ONLY,
    "GET /v1/webhooks/{webhook_id}": MERCHANT_ONLY,
    "PATCH /v1/webhooks/{webhook_id}": MERCHANT_ONLY,
    "DELETE /v1/webhooks/{webhook_id}": MERCHANT_ONLY,
    "POST /v1/webhooks/{webhook_id}/rotate-secret": MERCHANT_ONLY,
    "GET /v1/webhooks/{webhook_id}/deliveries": MERCHANT_ONLY,
    "GET /v1/webhooks/{webhook_id}/deliveries/{event_id}": MERCHANT_ONLY,
    "POST /v1/webhooks/{webhook_id}/deliveries/{event_id}/resend": MERCHANT_ONLY,
    # personal data (issue 16, PD-1..PD-5): the merchant's alone
    "GET /v1/customers/{customer_id}/personal-data": MERCHANT_ONLY,
    "DELETE /v1/customers/{customer_id}/personal-data": MERCHANT_ONLY,
    # issue 17 (settings and products pages): the catalogue, read
    "GET /v1/products": READ,
    "GET /v1/products/{product_id}": READ,
    # the back office (issue 17): the merchant's decisions
    "GET /v1/applications": MERCHANT_ONLY,
    "POST /v1/distributors/{distributor_id}/adjustments": MERCHANT_ONLY,
    "PUT /v1/customers/{customer_id}/groups": MERCHANT_ONLY,
    # scheduled jobs (issue 17): what runs by itself and how it went
    "GET /v1/jobs": MERCHANT_ONLY,
    # the merchant's reports (issue 17): merchant and analyst keys, for the shop's BI
    "GET /v1/analytics/overview": READ,
    "GET /v1/analytics/channels": READ,
    "GET /v1/analytics/cohorts": READ,
    # issue 17 (demo fixes): the distributor list, the UI grid's query over the API
    "GET /v1/distributors": MERCHANT_ONLY,
}

# What a request names: {distributor} is the distributor key's own (D) or another's (E),
# {withdrawal} a withdrawal of that distributor; {who} keeps each caller's new ids apart.
PATH_VALUES = {
    "distributor_id": "{distributor}",
    "customer_id": "{customer}",
    "order_id": "{order}",
    "withdrawal_id": "{withdrawal}",
    "ring_id": "ring-{who}",
    "key_id": "key_0000000000000000",  # no such key: 404 for the roles allowed
    "webhook_id": "wh-{who}",
    "event_id": "evt-{who}",
    "product_id": "p-{who}",
}
QUERIES: dict[str, dict[str, str]] = {
    "GET /v1/withdrawals": {"distributor_id": "{distributor}"},
    "DELETE /v1/customers/{customer_id}/personal-data": {"reason": "asked"},
}
BODIES: dict[str, Any] = {
    "PUT /v1/settings": {"settle_days": 7},
    "PUT /v1/settings/poster": {"image": "bm90IGFuIGltYWdl"},
    "POST /v1/customers": {"id": "n-{who}", "name": "N"},
    "PUT /v1/customers/{customer_id}/binding": {"distributor_id": "{distributor}"},
    "POST /v1/visits": {"customer_id": "v-{who}", "distributor_id": "{distributor}"},
    "POST /v1/distributors": {"customer_id": "{customer}"},
    "PUT /v1/distributors/{distributor_id}/level": {"level": 1},
    "POST /v1/products": {"id": "p-{who}", "name": "Tea", "price_fen": 100},
    "POST /v1/orders": {
        "id": "o-{who}",
        "customer_id": "{customer}",
        "lines": [{"product_id": "p", "paid_fen": 100}],
    },
    "POST /v1/orders/{order_id}/complete": {},
    "POST /v1/orders/{order_id}/refunds": {"id": "r-{who}", "amount_fen": 1},
    "POST /v1/withdrawals": {
        "id": "w-{who}",
        "distributor_id": "{distributor}",
        "amount_fen": 100,
        "method": "bank",
        "account": "6222021234567890",
    },
    "POST /v1/withdrawals/approve": {"ids": ["{withdrawal}"]},
    "POST /v1/withdrawals/reject": {"ids": ["{withdrawal}"]},
    "POST /v1/withdrawals/paid": {"ids": ["{withdrawal}"]},
    "POST /v1/keys": {"name": "n-{who}", "role": "analyst"},
    "POST /v1/keys/{key_id}/revoke": {},
    "POST /v1/keys/{key_id}/rotate": {"overlap_s": 0},
    "POST /v1/webhooks": {"url": "https://mall.example.com/hooks/{who}", "events": ["*"]},
    "PATCH /v1/webhooks/{webhook_id}": {"enabled": False},
    "POST /v1/distributors/{distributor_id}/adjustments": {
        "id": "adj-{who}",
        "amount_fen": 100,
        "reason": "goodwill",
    },
    "PUT /v1/customers/{customer_id}/groups": {"groups": ["vip"]},
    "POST /v1/rings/{ring_id}/review": {"verdict": "fraud", "note": "{who}"},
}


def served(api: Api) -> dict[str, dict[str, Any]]:
    spec = httpx.get(f"{api.url}/openapi.json", timeout=30).json()
    return {
        f"{method.upper()} {path}": op
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    }


def test_every_operation_has_a_rule_and_every_rule_an_operation(api: Api) -> None:
    operations = set(served(api))
    assert not operations - set(RULES), "operations without a rule in RULES"
    assert not set(RULES) - operations, "rules for operations the API does not serve"


@dataclass
class World:
    """This shop's objects (ids unique to it: another shop's answers must never carry them)."""

    shop: ShopApi
    names: dict[str, str]
    foreign: str

    def fill(self, text: str, who: str, other: bool) -> str:
        values = self.names | {"who": who}
        if other:
            values |= {"distributor": self.names["other"], "withdrawal": self.names["others"]}
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text


@pytest.fixture
def world(make_shop: MakeShop, engine: Engine) -> Iterator[World]:
    tag = uuid.uuid4().hex[:8]
    names = {
        "distributor": f"D{tag}",
        "other": f"E{tag}",
        "customer": f"C{tag}",
        "order": f"O{tag}",
        "withdrawal": f"W{tag}",
        "others": f"X{tag}",
    }
    s: ShopApi = make_shop({"withdrawal": {"max_count": 100}})
    m = s.merchant
    for did in (names["distributor"], names["other"]):
        distributor(m, did)
        earn(m, did, 5000)
    visit(m, names["customer"], names["distributor"])
    body = {"id": names["order"], "customer_id": names["customer"]}
    ok(m.post("/v1/orders", json=body | {"lines": [{"product_id": "p", "paid_fen": 500}]}), 201)
    withdraw(m, names["distributor"], 100, id=names["withdrawal"])
    withdraw(m, names["other"], 100, id=names["others"])
    other = Shop.create(engine, f"x-{tag}")
    foreign = other.create_key("merchant")
    yield World(s, names, foreign)
    other.store.drop()


def _request(http: httpx.Client, world: World, name: str, op: dict[str, Any], who: str,
             key: str | None, other: bool = False) -> httpx.Response:  # fmt: skip
    method, path = name.split(" ", 1)
    for param in op.get("parameters", []):
        if param["in"] == "path":
            assert param["name"] in PATH_VALUES, f"{name}: no dummy value for {param['name']}"
            path = path.replace("{" + param["name"] + "}", PATH_VALUES[param["name"]])
    query = {k: world.fill(v, who, other) for k, v in QUERIES.get(name, {}).items()}
    body = json.loads(world.fill(json.dumps(BODIES[name]), who, other)) if name in BODIES else None
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    url = world.fill(path, who, other)
    return http.request(method, url, params=query, json=body, headers=headers)


def test_the_matrix(api: Api, world: World) -> None:
    shop, names = world.shop, world.names
    keys: dict[str, str | None] = {
        "no key": None,
        "garbage": "garbage",
        "swapped": f"{shop.shop.id}.{world.foreign.split('.', 1)[1]}",
        "foreign": world.foreign,
        "distributor": shop.shop.create_key("distributor", names["distributor"]),
        "analyst": shop.shop.create_key("analyst"),
        "merchant": shop.shop.create_key("merchant"),
    }
    wrong: list[str] = []
    http = httpx.Client(base_url=api.url, timeout=30)
    for name, op in served(api).items():
        rule = RULES[name]
        for who, key in keys.items():
            variants = [False, True] if who == "distributor" and rule.own else [False]
            for other in variants:
                r = _request(http, world, name, op, who, key, other)
                problem = _judge(rule, who, other, r, set(names.values()))
                if not problem and who == "distributor" and r.status_code < 300:
                    problem = _only_own(r, {names["other"], names["others"]})
                if problem:
                    label = f"{who} (another distributor's)" if other else who
                    wrong.append(f"{name} as {label}: {r.status_code} {problem}: {r.text[:200]}")
    http.close()
    assert not wrong, "\n".join(wrong)


def _judge(rule: Rule, who: str, other: bool, r: httpx.Response, ours: set[str]) -> str | None:
    """Why answer ``r`` breaks the rule, or None."""
    status = r.status_code
    code = r.json().get("error", {}).get("code") if _is_json(r) and status >= 400 else None
    if status >= 500:
        return "a server error"
    if rule.public:
        return None if status == 200 else "expected 200"
    if who in ("no key", "garbage", "swapped"):
        expected = "auth.missing_key" if who == "no key" else "auth.invalid_key"
        return None if (status, code) == (401, expected) else f"expected 401 {expected}"
    if who == "foreign":
        if status in (401, 403, 404, 422):
            return None
        leaked = [i for i in ours if i in r.text]
        return f"another shop's key got this shop's {leaked}" if leaked else None
    if who == "distributor" and other:
        expected_status = rule.others
        return None if status == expected_status else f"expected {expected_status}"
    if who not in rule.roles:
        return None if (status, code) == (403, "auth.forbidden") else "expected 403 auth.forbidden"
    return None if status < 300 or status in (404, 409, 422) else "expected 2xx/404/409/422"


def _only_own(r: httpx.Response, theirs: set[str]) -> str | None:
    """A distributor key's answer carries no id of another distributor's (the leaderboard
    included: it ranks the others without their ids, U-9)."""
    leaked = [i for i in theirs if i in r.text]
    return f"a distributor key got another distributor's {leaked}" if leaked else None


def _is_json(r: httpx.Response) -> bool:
    return r.headers.get("content-type", "").startswith("application/json")
