"""Ledger invariants over random histories (R-3.3, R-3.8, R-3.10–R-3.12, R-5.1–R-5.4, G-1–G-6).

A small invitation forest of distributors (some bound to each other, so some buy from their own
chain), customers bound to random distributors, and random sequences of orders, completions,
time passing, refunds, withdrawals and their approval / rejection / payment, freezes, rebinds
and repeated events. A model written here from docs/rules.md predicts every reward, clawback, status
and refusal; after each step the shop must agree with it, and:

1. every order line pays at most half its split (and at most split − cost with cost
   protection); no reward entry is clawed back beyond its amount; a fully refunded order nets
   to zero;
2. every balance is the sum of its ledger entries (re-derived here from the paged ledger), and
   the balances of all distributors account for every fen issued less clawbacks and tax;
3. replaying the whole history (same ids, same bodies) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from teamgraph.errors import Conflict, TeamgraphError, ValidationError
from teamgraph.graph import Engine
from teamgraph.rules.withdrawals import mask_account
from teamgraph.shop import Shop
from tests.conftest import new_shop_id
from tests.shop.conftest import DAY, HOUR, T0, distributors, ledger_entries

DISTRIBUTORS = [f"d{i}" for i in range(5)]
CUSTOMERS = [f"c{i}" for i in range(4)]
PEOPLE = CUSTOMERS + DISTRIBUTORS
UNIT_COST = 3000  # the product "costly" has this unit cost (R-3.8 when a line gives none)
ACCOUNT = "6222021234567890"
TZ = ZoneInfo("Asia/Shanghai")
BP = 10_000
UPGRADE_AT = 2  # level 2 at 2 paid orders
MIN_FEN, MAX_FEN, MAX_PER_DAY = 50, 20_000, 3
WITHDRAWAL_STATUSES = ("requested", "approved", "paid", "rejected")
MOVES = {  # W-7: (status, action) -> status after
    ("requested", "approve"): "approved",
    ("approved", "approve"): "approved",
    ("requested", "reject"): "rejected",
    ("approved", "reject"): "rejected",
    ("rejected", "reject"): "rejected",
    ("approved", "pay"): "paid",
    ("paid", "pay"): "paid",
}

LEVELS = {
    "rate": [
        {"level": 1, "name": "L1", "reward_bp": 1000, "inviter_reward_bp": 300,
         "first_order_reward_bp": 1500},
        {"level": 2, "name": "L2", "reward_bp": 1800, "inviter_reward_bp": 600,
         "conditions": {"paid_orders": UPGRADE_AT}},
    ],
    "fixed": [
        {"level": 1, "name": "L1", "reward_fen": 300, "inviter_reward_fen": 100},
        {"level": 2, "name": "L2", "reward_fen": 700, "inviter_reward_fen": 250,
         "conditions": {"paid_orders": UPGRADE_AT}},
    ],
}  # fmt: skip
OWN = {"rate": ("reward_bp", 2500), "fixed": ("reward_fen", 900)}


# -- what is generated -----------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    program: dict[str, Any]
    parents: tuple[int | None, ...]  # inviter of d0..d4, an index below its own
    bindings: tuple[int | None, ...]  # distributor each customer is bound to, if any
    rebinds: tuple[tuple[int, int], ...]  # distributors bound to other distributors


@st.composite
def worlds(draw: st.DrawFn) -> World:
    basis = draw(st.sampled_from(["rate", "fixed"]))
    program = {
        "tiers": draw(st.sampled_from([2, 3, 1])),
        "reward_basis": basis,
        "cost_protection": draw(st.booleans()),
        "settle_days": draw(st.sampled_from([0, 1, 3])),
        "tax_bp": draw(st.sampled_from([0, 1500])),
        "levels": LEVELS[basis],
        "withdrawal": {"methods": ["bank", "alipay"], "min_fen": MIN_FEN, "max_fen": MAX_FEN,
                       "max_count": MAX_PER_DAY, "per": "day"},
    }  # fmt: skip
    parents = tuple(None if i == 0 else draw(st.sampled_from([*range(i), None])) for i in range(5))
    bindings = (
        *(draw(st.integers(0, 4)) for _ in CUSTOMERS[:-1]),
        draw(st.integers(0, 4) | st.none()),  # the last customer may be unattributed
    )
    pairs = st.tuples(st.integers(0, 4), st.integers(0, 4)).filter(lambda p: p[0] != p[1])
    rebinds = tuple(draw(st.lists(pairs, max_size=3)))
    return World(program, parents, bindings, rebinds)


# sampled_from shrinks towards its first element: the common, interesting cases come first
paid_fen = st.one_of(
    st.sampled_from([12_345, 30_000, 10_000, 4999, 1000, 333, 99, 7, 1, 0]),
    st.integers(0, 30_000),
)
order_line = st.tuples(
    st.sampled_from(["plain", "own", "plain", "zero", "costly"]),
    st.integers(1, 3),  # qty
    paid_fen,
    st.sampled_from([None, None, 3, 2, 1, 0]),  # split: paid, or that many quarters of it
    st.sampled_from([None, None, 0, 1, 2, 3, 4]),  # cost: none, or quarters of paid
)
pick = st.integers(0, 1_000)  # an earlier order, withdrawal or event, modulo their number
OPERATIONS = {
    "order": st.tuples(st.sampled_from([*CUSTOMERS[:3], *CUSTOMERS, *DISTRIBUTORS]),
                       st.lists(order_line, min_size=1, max_size=3)),
    "complete": st.tuples(pick, st.sampled_from(["all", "open", "any"])),
    "wait": st.tuples(st.sampled_from([0, 0, 96, 49, 24, 12, 1])),  # hours; 0: till settled
    "refund": st.tuples(pick, st.sampled_from(["settled", "any"]),
                        st.sampled_from(["part", "full", "part", "over", "zero"]),
                        st.integers(1, 99), st.booleans()),
    "withdraw": st.tuples(st.sampled_from(["richest"] * 5 + DISTRIBUTORS),
                          st.sampled_from(["all", "part"] * 3 + ["any", "over"]),
                          st.integers(1, 40_000),
                          st.sampled_from(["alipay", "bank", "alipay", "bank", "wechat"])),
    "move": st.tuples(pick, st.sampled_from(["next", "next", "reject", "approve", "pay"]),
                      st.booleans()),
    "freeze": st.tuples(st.sampled_from(["busiest", *DISTRIBUTORS]),
                        st.sampled_from([True, False])),
    "rebind": st.tuples(st.sampled_from(PEOPLE), st.sampled_from(DISTRIBUTORS)),
    "replay": st.tuples(pick, st.booleans()),
}  # fmt: skip


def ops(*kinds: str) -> st.SearchStrategy[tuple[Any, ...]]:
    """One operation of one of ``kinds`` (a kind named twice is drawn twice as often)."""
    return st.sampled_from(kinds).flatmap(
        lambda kind: OPERATIONS[kind].map(lambda args: (kind, *args))
    )


# A history is 2–3 rounds of business: one or two orders, a completion, time passing (mostly
# until what completed is due), then, in random order, a withdrawal request, a step of a
# withdrawal's handling, a refund, a freeze or release and up to three more operations of any
# kind, so that settled money, withdrawals, refunds after settlement, negative and held balances
# actually occur (`--hypothesis-show-statistics` counts them). At most 30 steps besides waits.
tail = st.tuples(ops("withdraw"), ops("move"), ops("refund"), ops("freeze")).flatmap(
    lambda must: st.lists(
        ops("withdraw", "refund", "move", "wait", "complete", "rebind", "replay", "replay",
            "order", "freeze"),
        max_size=3,
    ).flatmap(lambda more: st.permutations([*must, *more]))
)  # fmt: skip
due = st.sampled_from([0, 0, 0, 96, 24, 1]).map(lambda hours: ("wait", hours))  # mostly: till due
rounds = st.tuples(st.lists(ops("order"), min_size=1, max_size=2), ops("complete"), due)
histories = st.lists(st.tuples(rounds, tail), min_size=2, max_size=3).map(
    lambda rs: [op for head, rest in rs for op in [*head[0], head[1], head[2], *rest]]
)


# -- the model: docs/rules.md sections 3 and 5 over plain values
# ----------------------------------------


@dataclass
class Line:
    product: str
    qty: int
    paid: int
    split: int
    cost: int | None
    refunded: int = 0

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"product_id": self.product, "qty": self.qty, "paid_fen": self.paid,
                               "split_fen": self.split}  # fmt: skip
        if self.cost is not None:
            out["cost_fen"] = self.cost
        return out

    @property
    def cost_price(self) -> int | None:
        """The line's own cost, else its product's unit cost × quantity."""
        if self.cost is None and self.product == "costly":
            return self.qty * UNIT_COST
        return self.cost


@dataclass
class Order:
    id: str
    buyer: str
    lines: list[Line]
    paid_at: int
    attributed: str | None
    completed: bool = False
    entries: list[str] = field(default_factory=list)

    @property
    def paid(self) -> int:
        return sum(x.paid for x in self.lines)

    @property
    def refunded(self) -> int:
        return sum(x.refunded for x in self.lines)


@dataclass
class Entry:
    id: str
    distributor: str
    kind: str
    amount: int
    status: str
    settle_at: int | None = None
    line: int | None = None
    basis: str | None = None
    term: int | None = None  # rate (bp) or per-unit amount
    returned: int = 0
    reverses: str | None = None
    at: int = 0


def cut(amounts: list[int], ceiling: int) -> list[int]:
    """Cut a line's rewards (in tier order) to ``ceiling`` in all, the highest tier first."""
    out = list(amounts)
    excess = sum(out) - ceiling
    for i in reversed(range(len(out))):
        take = max(0, min(excess, out[i]))
        out[i] -= take
        excess -= take
    return out


def shares(amount: int, weights: list[int]) -> list[int]:
    """Largest remainder, ties to the earlier (M-3, C-11)."""
    total = sum(weights)
    exact = [(amount * w // total, amount * w % total, i) for i, w in enumerate(weights)]
    parts = [q for q, _, _ in exact]
    for _, _, i in sorted(exact, key=lambda x: (-x[1], x[2]))[: amount - sum(parts)]:
        parts[i] += 1
    return parts


def day_start(now: int) -> int:
    local = datetime.fromtimestamp(now / 1000, TZ)
    return int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)


def derive(items: list[dict[str, Any]], *, frozen: bool, now: int) -> dict[str, int]:
    """Balances from ledger entries as documented (R-3.10, R-5.2, G-1–G-6)."""
    b = {"pending": 0, "held": 0, "settled": 0, "requested": 0, "withdrawn": 0}
    for e in items:
        if e["unit"] != "fen":
            continue
        status = e["status"]
        if e["kind"] == "withdrawal":
            if status != "rejected":
                b["settled"] += e["amount"]
                b["withdrawn" if status == "paid" else "requested"] -= e["amount"]
        elif status in WITHDRAWAL_STATUSES:  # the tax withheld on a withdrawal
            if status != "rejected":
                b["settled"] += e["amount"]
        else:
            if status == "pending" and e["settle_at"] is not None and e["settle_at"] <= now:
                status = "held" if frozen else "settled"
            b[status] += e["amount"]
    b["withdrawable"] = max(0, b["settled"])
    return b


class Model:
    def __init__(self, world: World) -> None:
        p = world.program
        self.tiers: int = p["tiers"]
        self.basis: str = p["reward_basis"]
        self.protect: bool = p["cost_protection"]
        self.settle_days: int = p["settle_days"]
        self.tax_bp: int = p["tax_bp"]
        self.levels = LEVELS[self.basis]
        self.inviter = {
            d: None if i is None else DISTRIBUTORS[i]
            for d, i in zip(DISTRIBUTORS, world.parents, strict=True)
        }
        self.bound: dict[str, str | None] = dict(self.inviter)
        for c, i in zip(CUSTOMERS, world.bindings, strict=True):
            self.bound[c] = None if i is None else DISTRIBUTORS[i]
        self.level = dict.fromkeys(DISTRIBUTORS, 1)
        self.perf = dict.fromkeys(DISTRIBUTORS, 0)
        self.own_orders = dict.fromkeys(PEOPLE, 0)
        self.frozen = dict.fromkeys(DISTRIBUTORS, False)
        self.entries: dict[str, Entry] = {}
        self.orders: dict[str, Order] = {}
        self.withdrawals: dict[str, Entry] = {}

    # time
    def settle(self, now: int) -> None:
        for e in self.entries.values():
            if e.status == "pending" and e.settle_at is not None and e.settle_at <= now:
                e.status = "held" if self.frozen[e.distributor] else "settled"

    #
    def _term(self, tier: int, d: str, product: str, first: bool) -> int:
        lv = self.levels[self.level[d] - 1]
        unit = "bp" if self.basis == "rate" else "fen"
        if tier > 1:
            return int(lv[f"inviter_reward_{unit}"])
        if product == "own":
            return OWN[self.basis][1]
        if product == "zero":
            return 0
        if self.basis == "rate" and first and "first_order_reward_bp" in lv:
            return int(lv["first_order_reward_bp"])
        return int(lv[f"reward_{unit}"])

    def order(self, order_id: str, buyer: str, lines: list[Line], now: int) -> Order:
        chain: list[str] = []
        d = self.bound[buyer]
        while d is not None and len(chain) < 3:
            chain.append(d)
            d = self.inviter[d]
        earners = [(t, d) for t, d in enumerate(chain[: self.tiers], start=1) if d != buyer]
        first = self.own_orders[buyer] == 0
        order = Order(order_id, buyer, lines, now, chain[0] if chain else None)
        for i, x in enumerate(lines):
            terms = [self._term(t, d, x.product, first) for t, d in earners]
            if self.basis == "rate":
                amounts = [x.split * bp // BP for bp in terms]
            else:
                amounts = [x.qty * per for per in terms]
            amounts = cut(amounts, x.split // 2)  # C-6
            if self.protect and x.cost_price is not None:
                amounts = cut(amounts, max(0, x.split - x.cost_price))
            for (t, d), term, amount in zip(earners, terms, amounts, strict=True):
                if amount:
                    e = Entry(f"{order_id}:r{i}:t{t}", d, "reward", amount, "pending",
                              line=i, basis=self.basis, term=term, at=now)  # fmt: skip
                    self.entries[e.id] = e
                    order.entries.append(e.id)
        self.orders[order_id] = order
        self.own_orders[buyer] += 1
        if order.attributed is not None:
            self.perf[order.attributed] += 1
            if self.perf[order.attributed] >= UPGRADE_AT:
                self.level[order.attributed] = 2
        return order

    def complete(self, order: Order, now: int) -> None:
        if not order.completed:
            order.completed = True
            for eid in order.entries:
                self.entries[eid].settle_at = now + self.settle_days * DAY

    #
    def refund(self, order: Order, refund_id: str, amount: int, product: str | None) -> str | None:
        """The error code the refund must get, or ``None`` after booking its clawbacks."""
        targets = [x for x in order.lines if product is None or x.product == product]
        room = [x.paid - x.refunded for x in targets]
        if not targets:
            return "refund.product"
        if amount <= 0:
            return "refund.amount"
        if amount > sum(room):
            return "refund.too_much"
        for x, part in zip(targets, shares(amount, room), strict=True):
            if part == 0:
                continue
            i = order.lines.index(x)
            x.refunded += part
            for eid in list(order.entries):
                e = self.entries[eid]
                if e.kind != "reward" or e.line != i:
                    continue
                remains = e.amount - e.returned
                if x.refunded == x.paid:
                    now = remains
                elif e.basis == "fixed":
                    now = min(x.refunded * e.amount // x.paid - e.returned, remains)
                else:
                    assert e.term is not None
                    now = min(min(e.amount, x.refunded * e.term // BP) - e.returned, remains)
                if now > 0:
                    e.returned += now
                    c = Entry(f"{refund_id}:{eid}", e.distributor, "clawback", -now, e.status,
                              settle_at=e.settle_at, line=i, reverses=eid)  # fmt: skip
                    self.entries[c.id] = c
                    order.entries.append(c.id)
        return None

    #
    def set_frozen(self, d: str, frozen: bool) -> None:
        if self.frozen[d] != frozen:
            self.frozen[d] = frozen
            if not frozen:
                for e in self.entries.values():
                    if e.distributor == d and e.status == "held":
                        e.status = "settled"

    #
    def balances(self, d: str, now: int) -> dict[str, int]:
        items = [
            {"unit": "fen", "kind": e.kind, "amount": e.amount, "status": e.status,
             "settle_at": e.settle_at}
            for e in self.entries.values()
            if e.distributor == d
        ]  # fmt: skip
        return derive(items, frozen=self.frozen[d], now=now)

    def request(self, wid: str, d: str, amount: int, method: str, now: int) -> str | None:
        """W-4: the first failed check's code, or ``None`` after booking the request."""
        count = sum(
            1
            for w in self.withdrawals.values()
            if w.distributor == d and w.at >= day_start(now) and w.status != "rejected"
        )
        if self.frozen[d]:  # nothing goes out of a frozen account
            return "withdrawal.frozen"
        if amount <= 0:
            return "withdrawal.amount"
        if method not in ("bank", "alipay"):
            return "withdrawal.method"
        if not MIN_FEN <= amount <= MAX_FEN:
            return "withdrawal.amount"
        if count >= MAX_PER_DAY:
            return "withdrawal.too_many"
        if amount > self.balances(d, now)["withdrawable"]:
            return "withdrawal.insufficient"
        tax = amount * self.tax_bp // BP
        w = Entry(wid, d, "withdrawal", -(amount - tax), "requested", at=now)
        self.withdrawals[wid] = self.entries[wid] = w
        if tax:
            self.entries[f"{wid}:tax"] = Entry(f"{wid}:tax", d, "tax", -tax, "requested", at=now)
        return None

    def move(self, ids: list[str], action: str) -> bool:
        after = [MOVES.get((self.withdrawals[i].status, action)) for i in ids]
        if any(a is None for a in after):
            return False
        for i, a in zip(ids, after, strict=True):
            assert a is not None
            self.withdrawals[i].status = a
            if f"{i}:tax" in self.entries:
                self.entries[f"{i}:tax"].status = a
        return True


# -- playing a history against a shop and the model ------------------------------------------------


@dataclass
class Event:
    """An accepted (or refused) event, with what the shop answered."""

    kind: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    answer: Any = None
    error: str | None = None


class Play:
    def __init__(self, shop: Shop, world: World) -> None:
        self.shop = shop
        self.model = Model(world)
        self.events: list[Event] = []
        self.now = T0
        self.n = 0
        self._setup(world)

    def _setup(self, world: World) -> None:
        shop, own_key, own_value = self.shop, *OWN[self.model.basis]
        shop.upsert_product("plain", name="plain", price_fen=1000, now=T0)
        shop.upsert_product("own", name="own", price_fen=1000, now=T0, **{own_key: own_value})
        shop.upsert_product("zero", name="zero", price_fen=1000, now=T0, **{own_key: 0})
        shop.upsert_product("costly", name="costly", price_fen=5000, cost_fen=UNIT_COST, now=T0)
        via = {d: DISTRIBUTORS[i] for d, i in zip(DISTRIBUTORS, world.parents, strict=True)
               if i is not None}  # fmt: skip
        distributors(shop, *DISTRIBUTORS, via=via, at=T0)
        for c, i in zip(CUSTOMERS, world.bindings, strict=True):
            shop.create_customer(c, now=T0 + 10)
            if i is not None:
                shop.visit(c, DISTRIBUTORS[i], at=T0 + 10)
        for a, b in world.rebinds:
            shop.rebind(DISTRIBUTORS[a], DISTRIBUTORS[b], now=T0 + 20)
            self.model.bound[DISTRIBUTORS[a]] = DISTRIBUTORS[b]
        self.now = T0 + HOUR

    def _pick(self, items: list[Any], n: int) -> Any:
        return items[n % len(items)] if items else None

    def step(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        if kind == "wait":  # some hours, or (0) until what completed now is due
            self.now += op[1] * HOUR or self.model.settle_days * DAY + HOUR
            return
        self.now += 1
        self.n += 1
        self.model.settle(self.now)
        getattr(self, f"_{kind}")(*op[1:])

    def _order(self, buyer: str, specs: list[tuple[Any, ...]]) -> None:
        lines = []
        for product, qty, paid, split, cost in specs:
            lines.append(Line(product, qty, paid, paid if split is None else paid * split // 4,
                              None if cost is None else paid * cost // 4))  # fmt: skip
        oid = f"o{self.n}"
        kwargs = {"paid_at": self.now, "now": self.now}
        answer = self.shop.record_order(oid, buyer, [x.body() for x in lines], **kwargs)
        expected = self.model.order(oid, buyer, lines, self.now)
        assert answer["attributed_to"] == expected.attributed
        self.events.append(Event("order", (oid, buyer, [x.body() for x in lines]), kwargs, answer))
        event("order" if answer["rewards"] else "order without reward")
        if any(e["distributor_id"] == buyer for e in answer["rewards"]):
            raise AssertionError(f"{buyer} earned from its own purchase {oid}")

    def _complete(self, n: int, which: str) -> None:
        orders = list(self.model.orders.values())
        open_ = [o for o in orders if not o.completed]
        if which == "all":
            for order in open_:
                self._complete_one(order)
            return
        order = self._pick(open_ if which == "open" and open_ else orders, n)
        if order is not None:
            self._complete_one(order)

    def _complete_one(self, order: Order) -> None:
        kwargs = {"at": self.now, "now": self.now}
        answer = self.shop.complete_order(order.id, **kwargs)
        event("complete" if not order.completed else "complete again")
        self.model.complete(order, self.now)
        self.events.append(Event("complete", (order.id,), kwargs, answer))

    def _refund(self, n: int, which: str, how: str, percent: int, by_product: bool) -> None:
        orders = [o for o in self.model.orders.values() if o.refunded < o.paid]
        settled = [
            o for o in orders if any(self.model.entries[e].status == "settled" for e in o.entries)
        ]
        order = self._pick((settled if which == "settled" else []) or orders, n)
        if order is None:
            order = self._pick(list(self.model.orders.values()), n)  # refused: nothing left
        if order is None:
            return
        product = order.lines[percent % len(order.lines)].product if by_product else None
        left = sum(x.paid - x.refunded for x in order.lines if product in (None, x.product))
        amount = {"full": left, "part": max(1, left * percent // 100), "over": left + percent,
                  "zero": 0}[how]  # fmt: skip
        rid = f"r{self.n}"
        kwargs = {"product_id": product, "at": self.now, "now": self.now}
        was_settled = any(self.model.entries[e].status == "settled" for e in order.entries)
        expected = self.model.refund(order, rid, amount, product)
        try:
            answer = self.shop.refund(order.id, rid, amount, **kwargs)
        except ValidationError as exc:
            assert exc.code == expected, (exc.code, expected)
            self.events.append(Event("refund", (order.id, rid, amount), kwargs, error=exc.code))
            event("refund refused")
            return
        assert expected is None, f"refund {rid} of {amount} should be refused: {expected}"
        self.events.append(Event("refund", (order.id, rid, amount), kwargs, answer))
        full = order.refunded == order.paid
        event(f"refund {'full' if full else 'part'}{' after settling' if was_settled else ''}")

    def _withdraw(self, who: str, how: str, amount: int, method: str) -> None:
        m = self.model
        d = max(DISTRIBUTORS, key=lambda x: m.balances(x, self.now)["withdrawable"])
        d = d if who == "richest" else who
        can = m.balances(d, self.now)["withdrawable"]
        amount = {"all": min(can, MAX_FEN), "part": max(1, can * (amount % 100) // 100),
                  "any": amount, "over": can + 1}[how]  # fmt: skip
        wid = f"w{self.n}"
        expected = m.request(wid, d, amount, method, self.now)
        args = (d, amount, method, ACCOUNT)
        kwargs = {"withdrawal_id": wid, "now": self.now}
        try:
            answer = self.shop.request_withdrawal(*args, **kwargs)
        except ValidationError as exc:
            assert exc.code == expected, (exc.code, expected)
            event(f"withdrawal refused: {exc.code}")
            return
        assert expected is None, f"withdrawal {wid} of {amount} should be refused: {expected}"
        assert (answer["amount_fen"], answer["status"]) == (amount, "requested")
        assert answer["tax_fen"] == amount * m.tax_bp // BP
        self.events.append(Event("withdraw", args, kwargs, answer))
        event("withdrawal" + (" with tax" if answer["tax_fen"] else ""))

    def _move(self, n: int, action: str, batch: bool) -> None:
        ids = list(self.model.withdrawals)
        open_ = [i for i in ids if self.model.withdrawals[i].status in ("requested", "approved")]
        first = self._pick(open_ or ids, n)
        if first is None:
            return
        if action == "next":  # the step a merchant normally takes
            action = "approve" if self.model.withdrawals[first].status == "requested" else "pay"
        chosen = [first, self._pick(ids, n + 1)] if batch and len(ids) > 1 else [first]
        chosen = list(dict.fromkeys(chosen))  # one id named twice moves once, as the shop does
        allowed = self.model.move(chosen, action)
        try:
            out = self.shop.move_withdrawals(chosen, action, now=self.now)
        except Conflict as exc:
            assert not allowed and exc.code == "withdrawal.state"
            event("move refused")
            return
        assert allowed, f"{action} of {chosen} should be refused"
        assert [w["status"] for w in out] == [self.model.withdrawals[i].status for i in chosen]
        self.events.append(Event("move", (chosen, action), {"now": self.now}, out))
        event(f"move {action}")

    def _freeze(self, who: str, frozen: bool) -> None:
        pending = dict.fromkeys(DISTRIBUTORS, 0)
        for e in self.model.entries.values():
            pending[e.distributor] += e.amount if e.status in ("pending", "held") else 0
        d = max(DISTRIBUTORS, key=lambda x: pending[x]) if who == "busiest" else who
        self.shop.set_status(d, "frozen" if frozen else "active", now=self.now)
        self.model.set_frozen(d, frozen)
        event("freeze" if frozen else "unfreeze")

    def _rebind(self, who: str, d: str) -> None:
        try:
            self.shop.rebind(who, d, now=self.now)
        except TeamgraphError:  # self, or a frozen distributor (R-1.8, binding.frozen)
            assert who == d or self.model.frozen[d]
            return
        assert who != d and not self.model.frozen[d]
        self.model.bound[who] = d
        event("rebind")

    def _replay(self, n: int, conflicting: bool) -> None:
        """R-3.12 in the middle of a history: a repeated order, refund, withdrawal or
        completion answers what the shop holds (and the first answer's rewards, clawbacks) and
        changes nothing (the checks after the step compare everything with the model, which
        did not move); a changed body is refused."""
        events = [e for e in self.events if e.kind != "move" and e.error is None]
        ev = self._pick(events, n)
        if ev is None:
            return
        shop, now = self.shop, self.now
        if conflicting and ev.kind in ("order", "refund", "withdraw"):
            args = list(ev.args)
            if ev.kind == "order":
                args[2] = [dict(x) for x in args[2]]
                args[2][0]["paid_fen"] += 1
            elif ev.kind == "refund":
                args[2] += 1
            else:
                args[1] += 1
            call = {"order": shop.record_order, "refund": shop.refund,
                    "withdraw": shop.request_withdrawal}[ev.kind]  # fmt: skip
            with pytest.raises(Conflict) as info:
                call(*args, **{**ev.kwargs, "now": now})
            assert info.value.code == "event.conflict"
            event(f"conflicting {ev.kind}")
        elif ev.kind == "order":
            again = shop.record_order(*ev.args, **{**ev.kwargs, "now": now})
            assert again == shop.order(ev.args[0], now=now)
            assert ids_and_amounts(again["rewards"]) == ids_and_amounts(ev.answer["rewards"])
            event("repeated order")
        elif ev.kind == "refund":
            again = shop.refund(*ev.args, **{**ev.kwargs, "now": now})
            assert again["order"] == shop.order(ev.args[0], now=now)
            assert ids_and_amounts(again["clawbacks"]) == ids_and_amounts(ev.answer["clawbacks"])
            event("repeated refund")
        elif ev.kind == "withdraw":
            again = shop.request_withdrawal(*ev.args, **{**ev.kwargs, "now": now})
            assert again == shop.withdrawal(ev.kwargs["withdrawal_id"])
            assert again["status"] == self.model.withdrawals[ev.kwargs["withdrawal_id"]].status
            event("repeated withdrawal")
        elif ev.kind == "complete":
            again = shop.complete_order(*ev.args, **{**ev.kwargs, "now": now})
            assert again["settle_at"] == ev.answer["settle_at"]
            event("repeated completion")


def ids_and_amounts(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Entries without what time and later events change (status, settle_at, returned)."""
    keys = ("id", "kind", "distributor_id", "amount", "unit", "tier", "line", "at", "basis")
    return sorted(tuple(e[k] for k in keys) for e in entries)


# -- the invariants --------------------------------------------------------------------------------


def check(play: Play, *, page: int = 25) -> None:
    shop, model, now = play.shop, play.model, play.now
    model.settle(now)  # every read catches up first (G-1)
    issued_net = 0  # (1), and the right side of (2)
    by_distributor = dict.fromkeys(DISTRIBUTORS, 0)
    for order in model.orders.values():
        view = shop.order(order.id, now=now)
        rewards, clawbacks = view["rewards"], view["clawbacks"]
        assert view["refunded_fen"] == order.refunded
        for i, x in enumerate(order.lines):
            paid = sum(r["amount"] for r in rewards if r["line"] == i)
            assert 2 * paid <= x.split  # R-3.3 / C-6: at most 50% of the split
            if model.protect and x.cost_price is not None:
                assert paid <= max(0, x.split - x.cost_price)
        for r in rewards:
            back = -sum(c["amount"] for c in clawbacks if c["id"].endswith(f":{r['id']}"))
            assert 0 <= back <= r["amount"]  # never more than issued
            assert back == r["returned"]
        assert all(c["amount"] < 0 for c in clawbacks)
        if order.refunded == order.paid:  # a full refund returns exactly what was issued
            assert sum(e["amount"] for e in rewards + clawbacks) == 0
        # the model's rewards and clawbacks, to the fen and status
        got = {
            e["id"]: (e["distributor_id"], e["amount"], e["status"]) for e in rewards + clawbacks
        }
        want = {
            i: (model.entries[i].distributor, model.entries[i].amount, model.entries[i].status)
            for i in order.entries
        }
        assert got == want, order.id
        for e in rewards + clawbacks:
            issued_net += e["amount"]
            by_distributor[e["distributor_id"]] += e["amount"]
    taxes = dict.fromkeys(DISTRIBUTORS, 0)
    listed = shop.withdrawals(limit=7)
    withdrawals = listed["items"]
    while listed["next_cursor"]:
        listed = shop.withdrawals(limit=7, cursor=listed["next_cursor"])
        withdrawals += listed["items"]
    assert {w["id"]: w["status"] for w in withdrawals} == {
        i: w.status for i, w in model.withdrawals.items()
    }
    for w in withdrawals:
        assert w["net_fen"] + w["tax_fen"] == w["amount_fen"]
        if w["status"] != "rejected":
            taxes[w["distributor_id"]] += w["tax_fen"]
    total = 0
    for d in DISTRIBUTORS:
        items = ledger_entries(shop, d, now=now, limit=page)
        assert len({e["id"] for e in items}) == len(items)  # pages neither repeat nor skip
        assert [(e["at"], e["id"]) for e in items] == sorted(
            ((e["at"], e["id"]) for e in items), reverse=True
        )
        profile = shop.distributor(d, now=now)
        assert (profile["level"], profile["paid_orders"]) == (model.level[d], model.perf[d])
        frozen = profile["status"] == "frozen"
        assert frozen == model.frozen[d]
        derived = derive(items, frozen=frozen, now=now)
        balances = shop.balances(d, now=now)
        assert {k: balances[k] for k in derived} == derived  # (2) a balance is a sum of entries
        assert balances["points"] == 0
        assert derived == model.balances(d, now)
        assert {e["id"]: (e["kind"], e["amount"], e["status"], e["reverses"]) for e in items} == {
            e.id: (e.kind, e.amount, e.status, e.reverses)
            for e in model.entries.values()
            if e.distributor == d
        }
        kept = sum(derived[k] for k in ("pending", "held", "settled", "requested", "withdrawn"))
        if derived["settled"] < 0:
            event("a settled balance below 0")
        if derived["held"]:
            event("a held balance")
        assert kept == by_distributor[d] - taxes[d]  # nothing created, nothing lost
        total += kept
    assert total == issued_net - sum(taxes.values())


def play(shop: Shop, world: World, ops: list[tuple[Any, ...]], *, each: bool) -> Play:
    p = Play(shop, world)
    for op in ops:
        p.step(op)
        if each:
            check(p)
    return p


HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=30, deadline=None, suppress_health_check=HEALTH)
@given(world=worlds(), ops=histories)
def test_every_balance_is_the_sum_of_its_entries(
    engine: Engine, world: World, ops: list[tuple[Any, ...]]
) -> None:
    """Invariants (1) and (2), and the model's prediction, after every step."""
    shop = Shop.create(engine, new_shop_id("m"), world.program, now=T0)
    try:
        p = play(shop, world, ops, each=True)
        check(p, page=3)
    finally:
        shop.store.drop()


@settings(max_examples=40, deadline=None, suppress_health_check=HEALTH)
@given(world=worlds(), ops=histories)
def test_replaying_every_event_changes_nothing(
    engine: Engine, world: World, ops: list[tuple[Any, ...]]
) -> None:
    """Invariant (3): at the end of a history, every order, completion, refund, withdrawal
    request and merchant action sent again (same ids, same bodies) answers what the shop holds
    and what it first answered, and no ledger, balance, order or counter moves."""
    shop = Shop.create(engine, new_shop_id("m"), world.program, now=T0)
    try:
        p = play(shop, world, ops, each=False)
        now = p.now = p.now + 1
        check(p, page=3)
        before = snapshot(p, now)
        for ev in p.events:
            replay(shop, ev, now)
        assert snapshot(p, now) == before
        check(p, page=3)
    finally:
        shop.store.drop()


def snapshot(p: Play, now: int) -> dict[str, Any]:
    shop = p.shop
    return {
        "orders": {o: shop.order(o, now=now) for o in p.model.orders},
        "ledgers": {d: ledger_entries(shop, d, now=now) for d in DISTRIBUTORS},
        "balances": {d: shop.balances(d, now=now) for d in DISTRIBUTORS},
        "distributors": {d: shop.distributor(d, now=now) for d in DISTRIBUTORS},
        "withdrawals": shop.withdrawals()["items"],
        "buyers": {c: shop.customer(c, now=now)["history"] for c in PEOPLE},
    }


def replay(shop: Shop, ev: Event, now: int) -> None:
    kwargs = {**ev.kwargs, "now": now}
    if ev.kind == "order":
        again = shop.record_order(*ev.args, **kwargs)
        assert again == shop.order(ev.args[0], now=now)
        assert ids_and_amounts(again["rewards"]) == ids_and_amounts(ev.answer["rewards"])
        fixed = ("id", "customer_id", "paid_at", "paid_fen", "split_fen", "attributed_to")
        assert {k: again[k] for k in fixed} == {k: ev.answer[k] for k in fixed}
    elif ev.kind == "complete":
        again = shop.complete_order(*ev.args, **kwargs)
        assert (again["completed_at"], again["settle_at"]) == (
            ev.answer["completed_at"],
            ev.answer["settle_at"],
        )
    elif ev.kind == "refund" and ev.error is None:
        again = shop.refund(*ev.args, **kwargs)
        assert again["order"] == shop.order(ev.args[0], now=now)
        assert ids_and_amounts(again["clawbacks"]) == ids_and_amounts(ev.answer["clawbacks"])
    elif ev.kind == "refund":
        with pytest.raises(ValidationError) as info:  # room only shrinks: refused again
            shop.refund(*ev.args, **kwargs)
        assert info.value.code == ev.error
    elif ev.kind == "withdraw":
        again = shop.request_withdrawal(*ev.args, **kwargs)
        first = {k: v for k, v in ev.answer.items() if not k.endswith("_at") and k != "status"}
        if again["status"] in ("paid", "rejected"):  # PD-6: no payout needs the number now
            first["account"] = mask_account(first["account"])
        assert {k: again[k] for k in first} == first
    elif ev.kind == "move":
        ids, action = ev.args
        try:  # an action applied once is idempotent on its result, or no longer allowed
            shop.move_withdrawals(ids, action, now=now)
        except Conflict as exc:
            assert exc.code == "withdrawal.state"
