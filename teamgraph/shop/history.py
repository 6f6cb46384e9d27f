"""Historical orders and refunds at bulk speed: the same decisions as ``Shop.record_order``,
``complete_order`` and ``refund`` make one event at a time, made in memory for a batch of
events in time order and written in one statement per batch. The importer calls it as
``shop.bulk.record_orders`` / ``shop.bulk.record_refunds`` (:mod:`teamgraph.shop.bulk`).

Why it gives what live events give:

- Each event is decided by the same rules code (:mod:`teamgraph.rules.commission` ``earners``,
  ``rewards``, ``allocate``, ``clawbacks``; :mod:`teamgraph.rules.levels` ``earned_level``;
  :mod:`teamgraph.rules.ledger` ``status_at``) from the same inputs live events read: the
  binding then in force, else the sharer then valid (M-1); the chain's levels as they stand
  after every earlier event; the buyer's paid orders so far (first-order rate); the products.
- State that events change is kept in memory between events and read from the graph only at
  the start (distributors: inviter, level, counters) or per batch (buyers: binding history and
  paid orders; refunded orders: lines and entries). Levels rise after each payment and
  completion of the attributed distributor, as ``_check_levels`` raises them, counting direct
  clients less the bindings that expire on the way (``binding.expire_due`` lowers them).
- Each batch starts with ``Shop.catch_up`` at its first event's time, as every live event
  does; a pending settings change that falls due inside the span cuts the batch there, so every
  event is decided under the settings live events would see (and once it applied, the state
  is read from the graph again: a mode change may end every binding, R-1.10).
- Each batch is one statement (``orders.load_batch``, ``refunds.load_batch``, written by
  ``Bulk.load_order_batch`` / ``load_refund_batch``) and one statement is atomic: an
  interrupted load stops at a batch boundary, and the re-run skips the stored ids and goes on
  from that state, as an uninterrupted run went on from it.

Choices (numbered with the importer's, E- in docs/choices.md):
- E-8 A historical load has the shop to itself while it runs: counters are written as deltas
  of what the load computed from what it read, so an event recorded meanwhile by another
  process is not seen by the batch (the live path, one event at a time, stays for live events).
- E-9 When several bindings of a customer were in force at an order's paid time (an
  overlapping history the binding loader refuses to create, but a graph may hold), the one that
  began last is used; of several sharers whose visits are equally recent, the one with the
  smallest id. (Live, the order.context read then returns one of them unspecified.)
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from teamgraph.errors import ValidationError
from teamgraph.rules import commission as rules_commission
from teamgraph.rules import ledger as rules_ledger
from teamgraph.rules import levels as rules_levels
from teamgraph.rules.settings import ProgramSettings
from teamgraph.rules.timeutil import MS_PER_DAY, MS_PER_HOUR
from teamgraph.shop.orders import _lines, _with_product_costs

if TYPE_CHECKING:
    from teamgraph.shop.base import ShopBase
    from teamgraph.shop.bulk import Bulk

READ_CHUNK = 5_000


@dataclass
class Order:
    """A historical order to record: its body as ``Shop.record_order`` takes it, the completion
    time if the order completed, and its digest (R-3.12)."""

    id: str
    customer_id: str
    paid_at: int
    lines: list[dict[str, Any]]
    completed_at: int | None
    digest: str


@dataclass
class Refund:
    id: str
    order_id: str
    amount_fen: int
    at: int
    product_id: str | None
    digest: str


@dataclass
class _Distributor:
    inviter: str | None
    level: int
    frozen: bool
    values: dict[str, int]
    raised_at: int | None = None
    delta: dict[str, int] = field(default_factory=dict)


_COUNTERS = ("paid_orders", "transaction_fen", "received_fen", "completed_orders")


def _chunks(seq: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _read_many(shop: ShopBase, statement: str, ids: Iterable[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(set(ids)), READ_CHUNK):
        out.extend(shop.store.read(statement, ids=list(chunk)))
    return out


def _cut_at_settings(stored: ProgramSettings, times: Sequence[int], start: int, end: int) -> int:
    """Where a batch of events ``times[start:end]`` must end so that a pending settings change
    falling due inside it applies between batches (as ``catch_up`` applies it live)."""
    pending = stored.pending
    if pending is None or pending.effective_at <= times[start]:
        return end
    cut = bisect.bisect_left(times, pending.effective_at, start, end)
    return max(cut, start + 1)


class _Expiries:
    """Bindings that end by expiry while the events go by: their distributor's direct clients
    drop in memory when an event's time reaches the expiry, as ``binding.expire_due`` lowers
    them in the graph at the next ``catch_up``. Read once, after a ``catch_up``, so each
    expiry is counted once."""

    def __init__(self, shop: ShopBase, until: int) -> None:
        rows = shop.store.read("orders.history_bindings_due", until=until)
        self.due = sorted((r["due"], r["distributor_id"]) for r in rows)
        self.next = 0

    def advance(self, now: int, people: dict[str, _Distributor]) -> None:
        while self.next < len(self.due) and self.due[self.next][0] <= now:
            d = people.get(self.due[self.next][1])
            if d is not None:
                d.values["bound_customers"] -= 1
            self.next += 1


def _people(shop: ShopBase) -> dict[str, _Distributor]:
    out = {}
    for r in shop.store.read("orders.history_distributors"):
        out[r["id"]] = _Distributor(
            inviter=r["inviter_id"],
            level=r["level"],
            frozen=r["status"] == "frozen",
            values={
                "bound_customers": r["direct_clients"] or 0,
                "invited_distributors": r["invitees"] or 0,
                "paid_orders": r["paid_orders"] or 0,
                "received_fen": r["received_fen"] or 0,
                "transaction_fen": r["transaction_fen"] or 0,
                "completed_orders": r["completed_orders"] or 0,
            },
        )
    return out


def _raise_level(d: _Distributor, settings: ProgramSettings, at: int) -> None:
    """R-4.3 as ``Shop._check_levels``: the level the counters earn, at once, never lower."""
    if len(settings.levels) < 2:
        return
    earned = rules_levels.earned_level(settings.levels, d.values, d.level)
    if earned > d.level:
        d.level, d.raised_at = earned, at


def _bump(d: _Distributor, name: str, amount: int) -> None:
    """A counter of R-4.2 moves (M-2): in memory now, in the graph with the batch."""
    d.values[name] += amount
    d.delta[name] = d.delta.get(name, 0) + amount


def _attributed_chain(
    customer: Mapping[str, Any], paid_at: int, window: int, people: Mapping[str, _Distributor]
) -> list[tuple[str, int]]:
    """M-1 as order.context reads it: the binding in force at ``paid_at`` (E-9: the latest
    begun), else the sharer whose latest visit within the window is the most recent; then two
    inviters above it (R-3.7), each with its level as it stands now."""
    bound = [
        (since, did)
        for did, since, ended_at, expires_at in customer["bindings"]
        if since <= paid_at
        and (ended_at is None or ended_at > paid_at)
        and (expires_at is None or expires_at > paid_at)
    ]
    head: str | None = max(bound)[1] if bound else None
    if head is None:
        best = -1
        for did, times in sorted(customer["shares"], key=lambda s: s[0]):
            hit = max((t for t in times or [] if t <= paid_at and t + window > paid_at), default=-1)
            if hit > best:  # E-9: equally recent visits go to the smallest id
                best, head = hit, did
    chain: list[tuple[str, int]] = []
    while head is not None and head in people and len(chain) < 3:
        d = people[head]
        chain.append((head, d.level or 1))
        head = d.inviter
    return chain


# -- orders ---------------------------------------------------------------------------------------
Events = list[tuple[int, int, str]]


def record_orders(
    bulk: Bulk,
    new: Mapping[str, Order],
    completions: Mapping[str, tuple[int, str | None]],
    products: Mapping[str, Mapping[str, Any]],
    *,
    batch_size: int = 2_000,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Record ``new`` orders (paid, and completed when they say so) and complete stored ones
    (``completions``: order id -> (time, attributed distributor)), all in time order:
    payments and completions interleaved by their times, a payment before a completion at the
    same time. Returns the orders refused, id -> reason (a bad line, as ``record_order``
    refuses it)."""
    shop = bulk.shop
    events: Events = [(o.paid_at, 0, oid) for oid, o in new.items()]
    events += [(o.completed_at, 1, oid) for oid, o in new.items() if o.completed_at is not None]
    events += [(at, 1, oid) for oid, (at, _) in completions.items()]
    events.sort()
    refused: dict[str, str] = {}
    if not events:
        return refused
    shop.catch_up(events[0][0])
    version = shop._stored_settings()[1]
    people = _people(shop)
    expiries = _Expiries(shop, events[-1][0])
    rewards_of = {
        pid: rules_commission.ProductReward(p["reward_bp"], p["reward_fen"])
        for pid, p in products.items()
    }
    cost_of = {pid: p["cost_fen"] for pid, p in products.items()}
    times = [e[0] for e in events]
    attributed: dict[str, str | None] = {oid: d for oid, (_, d) in completions.items()}
    start = 0
    while start < len(events):
        settings = shop.catch_up(events[start][0])
        stored, now_version = shop._stored_settings()
        if now_version != version:  # a settings change applied (a mode change may end
            version = now_version  # every binding, R-1.10): the graph is the state again
            people = _people(shop)
            expiries = _Expiries(shop, events[-1][0])
        end = _cut_at_settings(stored, times, start, min(start + batch_size, len(events)))
        batch = events[start:end]
        window = settings.sharer_window_hours * MS_PER_HOUR
        paying = {new[oid].customer_id for _, step, oid in batch if step == 0}
        buyers = {r["id"]: r for r in _read_many(shop, "orders.history_customers", paying)}
        rows: dict[str, dict[str, Any]] = {}
        touched: set[str] = set()
        done: list[dict[str, Any]] = []
        spent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for at, step, oid in batch:
            expiries.advance(at, people)
            if step == 0:
                o = new[oid]
                try:
                    lines = _lines(o.lines)
                    costs = [{"id": x.product_id, "cost_fen": cost_of[x.product_id]} for x in lines]
                    parsed = _with_product_costs(lines, costs)
                except ValidationError as exc:
                    refused[oid] = _why(exc)
                    continue
                buyer = buyers[o.customer_id]
                chain = _attributed_chain(buyer, at, window, people)
                earners = rules_commission.earners(chain, o.customer_id, settings.tiers)
                first = buyer["paid_orders"] == 0
                rewards = rules_commission.rewards(
                    settings, earners, parsed, rewards_of, first_order=first
                )
                head = chain[0][0] if chain else None
                attributed[oid] = head
                paid_fen = sum(x.paid_fen for x in parsed)
                buyer["paid_orders"] += 1
                spent[o.customer_id][0] += 1
                spent[o.customer_id][1] += paid_fen
                rows[oid] = {
                    "id": oid,
                    "customer_id": o.customer_id,
                    "paid_at": at,
                    "paid_fen": paid_fen,
                    "split_fen": sum(x.split_fen for x in parsed),
                    "digest": o.digest,
                    "attributed_to": head,
                    "first_order": first,
                    "completed_at": None,
                    "settle_at": None,
                    "lines": [_given(_line(i, x)) for i, x in enumerate(parsed)],
                    "entries": [_given(_entry(oid, r)) for r in rewards],
                }
                if head is not None and head in people:
                    touched.add(head)
                    d = people[head]
                    _bump(d, "paid_orders", 1)
                    _bump(d, "transaction_fen", paid_fen)
                    _bump(d, "received_fen", paid_fen)
                    _raise_level(d, settings, at)
            else:
                if oid in refused:
                    continue
                settle_at = at + settings.settle_days * MS_PER_DAY
                if oid in rows:
                    rows[oid]["completed_at"], rows[oid]["settle_at"] = at, settle_at
                else:
                    done.append({"id": oid, "at": at, "settle_at": settle_at})
                head = attributed.get(oid)
                if head is not None and head in people:
                    touched.add(head)
                    _bump(people[head], "completed_orders", 1)
                    _raise_level(people[head], settings, at)
        changed = [
            {
                "id": did,
                **{k: people[did].delta.get(k, 0) for k in _COUNTERS},
                "level": people[did].level if people[did].raised_at is not None else None,
                "level_at": people[did].raised_at,
            }
            for did in sorted(touched)
        ]
        bulk.load_order_batch(
            orders=[_given(row) for row in rows.values()],
            completions=done,
            customers=[{"id": c, "orders": n, "spent_fen": f} for c, (n, f) in spent.items()],
            distributors=changed,
        )
        for did in touched:
            people[did].delta, people[did].raised_at = {}, None
        if on_batch is not None:
            on_batch(len(batch))
        start = end
    shop.catch_up(events[-1][0])  # as the last live event leaves the ledger (its own catch_up)
    return refused


def _given(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its null values: the statement reads a missing key as null, and the
    parameters of a batch are shorter to send and to parse."""
    return {k: x for k, x in row.items() if x is not None}


def _line(idx: int, x: rules_commission.Line) -> dict[str, Any]:
    """An order line as order.create writes it."""
    return {"idx": idx, "product_id": x.product_id, "qty": x.qty, "paid_fen": x.paid_fen,
            "split_fen": x.split_fen, "cost_fen": x.cost_fen}  # fmt: skip


def _entry(order_id: str, r: rules_commission.Reward) -> dict[str, Any]:
    """A reward entry as record_order writes it (its id names the order, line and tier)."""
    return {"id": f"{order_id}:r{r.line}:t{r.tier}", "distributor_id": r.distributor_id,
            "amount": r.amount, "unit": r.unit, "tier": r.tier, "line": r.line,
            "product_id": r.product_id, "basis": r.basis, "rate_bp": r.rate_bp,
            "per_unit": r.per_unit}  # fmt: skip


def _why(exc: ValidationError) -> str:
    rule = f"{exc.rule} " if exc.rule else ""
    return f"{rule}{exc.code}: {exc.message}"


# -- refunds --------------------------------------------------------------------------------------
def record_refunds(
    bulk: Bulk,
    refunds: Sequence[Refund],
    *,
    batch_size: int = 2_000,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Record ``refunds`` in time order (then by id), each as ``Shop.refund`` at its own time
    would: what it claws back per line and tier (R-3.11, M-3), each clawback in the status of
    the reward it reverses as read at the refund's time (M-4), and the attributed
    distributor's received amount (M-2). Returns the refunds refused, id -> reason."""
    shop = bulk.shop
    todo = sorted(refunds, key=lambda r: (r.at, r.id))
    refused: dict[str, str] = {}
    for batch in _chunks(todo, batch_size):
        shop.catch_up(batch[0].at)
        orders = {
            r["id"]: r
            for r in _read_many(shop, "refunds.history_orders", {x.order_id for x in batch})
        }
        for o in orders.values():
            o["lines"] = sorted((x for x in o["lines"] if x["idx"] is not None),
                                key=lambda x: x["idx"])  # fmt: skip
            o["entries"] = [e for e in o["entries"] if e is not None]
            o["touched"] = False
        written: list[dict[str, Any]] = []
        clawbacks: list[dict[str, Any]] = []
        received: dict[str, int] = defaultdict(int)
        for rf in batch:
            o = orders[rf.order_id]
            try:
                _refund(o, rf, clawbacks)
            except ValidationError as exc:
                refused[rf.id] = _why(exc)
                continue
            written.append({"id": rf.id, "order_id": rf.order_id, "amount_fen": rf.amount_fen,
                            "at": rf.at, "digest": rf.digest})  # fmt: skip
            o["refunded_fen"] += rf.amount_fen
            if o["refunded_fen"] >= o["paid_fen"]:
                o["status"] = "refunded"
            o["touched"] = True
            if o["attributed_to"] is not None:
                received[o["attributed_to"]] += rf.amount_fen
        touched = [o for o in orders.values() if o["touched"]]
        bulk.load_refund_batch(
            refunds=written,
            orders=[
                {"id": o["id"], "refunded_fen": o["refunded_fen"], "status": o["status"]}
                for o in touched
            ],
            lines=[
                {"order_id": o["id"], "idx": x["idx"], "refunded_fen": x["refunded_fen"]}
                for o in touched
                for x in o["lines"]
                if x.get("touched")
            ],
            rewards=[
                {"id": e["id"], "returned": e["returned"]}
                for o in touched
                for e in o["entries"]
                if e.get("touched")
            ],
            clawbacks=clawbacks,
            distributors=[{"id": d, "refunded_fen": n} for d, n in received.items()],
        )
        if on_batch is not None:
            on_batch(len(batch))
    if todo:
        shop.catch_up(todo[-1].at)  # as the last live refund leaves the ledger
    return refused


def _refund(o: dict[str, Any], rf: Refund, clawbacks: list[dict[str, Any]]) -> None:
    """One refund of order ``o`` (its state in memory), as ``Shop.refund`` decides it."""
    targets = [x for x in o["lines"] if rf.product_id is None or x["product_id"] == rf.product_id]
    if not targets:
        raise ValidationError(
            "refund.product",
            f"order {rf.order_id} has no line of {rf.product_id}",
            rule="R-3.11",
            field="product_id",
        )
    room = [x["paid_fen"] - x["refunded_fen"] for x in targets]
    if rf.amount_fen <= 0 or rf.amount_fen > sum(room):
        raise ValidationError(
            "refund.too_much" if rf.amount_fen > 0 else "refund.amount",
            f"refund {rf.amount_fen} fen: {sum(room)} fen is refundable",
            rule="R-3.11",
            field="amount_fen",
            extra={"refundable_fen": sum(room)},
        )
    parts = rules_commission.allocate(rf.amount_fen, room)
    for line, part in zip(targets, parts, strict=True):
        if part == 0:
            continue
        mine = [e for e in o["entries"] if e["line"] == line["idx"]]
        issued = [
            rules_commission.Issued(
                entry_id=e["id"], distributor_id=e["distributor_id"], tier=e["tier"],
                line=e["line"], amount=e["amount"], basis=e["basis"], rate_bp=e["rate_bp"],
                returned=e["returned"],
            )
            for e in mine
        ]  # fmt: skip
        by_id = {e["id"]: e for e in mine}
        for entry_id, amount in rules_commission.clawbacks(
            issued, line_paid=line["paid_fen"], refunded_before=line["refunded_fen"], refund=part
        ):
            reward = by_id[entry_id]
            status = rules_ledger.status_at(
                rules_ledger.Entry(
                    entry_id, "reward", reward["amount"], reward["status"], reward["settle_at"]
                ),
                rf.at,
                frozen=bool(reward["frozen"]),
            )
            clawbacks.append({"id": f"{rf.id}:{entry_id}", "entry_id": entry_id,
                              "amount": amount, "status": status, "at": rf.at,
                              "order_id": rf.order_id, "refund_id": rf.id})  # fmt: skip
            reward["returned"] += amount
            reward["touched"] = True
        line["refunded_fen"] += part
        line["touched"] = True
