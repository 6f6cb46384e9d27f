"""Historical orders and refunds at bulk speed: the same decisions as ``Shop.record_order``,
``complete_order`` and ``refund`` make one event at a time, made in memory for a batch of
events in time order and written in one statement per batch. The importer calls it as
``shop.bulk.record_orders`` / ``shop.bulk.record_refunds`` (:mod:`teamgraph.shop.bulk`).

Why it gives what live events give:

- Each event is decided by the very functions a live event calls
  (:mod:`teamgraph.rules.orders`: ``decide_order``, ``decide_completion``, ``decide_refund``;
  :func:`teamgraph.rules.levels.raised`), from the same inputs a live event reads: the
  candidates for attribution as of the paid time (the buyer's bindings and sharer visits,
  chosen among by :func:`teamgraph.rules.binding.attribute`, M-1, B-6), the chain's levels as
  they stand after every earlier event, the buyer's paid orders so far, the products.
- State that events change is kept in memory between events and read from the graph once, at
  the start of an orders load (distributors: inviter, level, counters; every buyer: binding
  history and paid orders), or per batch of refunds (refunded orders: lines and entries).
  Levels rise after each payment and completion of the attributed distributor, as
  ``_check_levels`` raises them, counting direct clients less the bindings that expire on the
  way (``binding.expire_due`` lowers them).
- An orders load runs ``Shop.catch_up`` at its first event's time and at its last, as the
  first and the last live event do; in between nothing an order's decision depends on is
  read from the graph, and what catch-up would change there (expired bindings, settled
  entries) is counted in memory or read by no decision. A pending settings change that falls
  due inside the span cuts the batch there, so every event is decided under the settings live
  events would see; once it applied (``catch_up`` at its time), the state is read from the
  graph again: a mode change may end every binding (R-1.10). A refunds load catches up before
  each batch.
- Each batch is one statement (``orders.load_batch``, ``refunds.load_batch``, written by
  ``Bulk.load_order_batch`` / ``load_refund_batch``) and one statement is atomic: an
  interrupted load stops at a batch boundary, and the re-run skips the stored ids and goes on
  from that state, as an uninterrupted run went on from it. Orders batches are written by a
  thread of their own while the next batch is decided (``_Writer``: one write in flight, in
  order; a failed write stops the load before any later batch is written).

Choices (numbered with the importer's, E- in docs/choices.md):
- E-8 A historical load has the shop to itself while it runs: counters are written as deltas
  of what the load computed from what it read, so an event recorded meanwhile by another
  process is not seen by the batch (the live path, one event at a time, stays for live events).
- E-9 Historical orders are attributed exactly as live ones (B-6).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from teamgraph.errors import ValidationError
from teamgraph.rules import commission as rules_commission
from teamgraph.rules import levels as rules_levels
from teamgraph.rules import orders as rules_orders
from teamgraph.rules.binding import Binding, Sharer
from teamgraph.rules.settings import ProgramSettings
from teamgraph.rules.timeutil import MS_PER_HOUR
from teamgraph.shop.base import level_values

if TYPE_CHECKING:
    from teamgraph.shop.base import ShopBase
    from teamgraph.shop.bulk import Bulk


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
            values=level_values(r),
        )
    return out


def _raise_level(d: _Distributor, settings: ProgramSettings, at: int) -> None:
    """R-4.3 as ``ShopBase._check_levels`` raises it live."""
    level = rules_levels.raised(settings.levels, d.values, d.level)
    if level is not None:
        d.level, d.raised_at = level, at


def _move(d: _Distributor, counters: Mapping[str, int], settings: ProgramSettings, at: int) -> None:
    """The counters a decision moves (M-2), then the level they earn (R-4.3)."""
    for name, amount in counters.items():
        _bump(d, name, amount)
    _raise_level(d, settings, at)


def _bump(d: _Distributor, name: str, amount: int) -> None:
    """A counter of R-4.2 moves (M-2): in memory now, in the graph with the batch."""
    d.values[name] += amount
    d.delta[name] = d.delta.get(name, 0) + amount


def _candidates(customer: Mapping[str, Any], window: int) -> tuple[list[Binding], list[Sharer]]:
    """A buyer's whole binding history and every sharer visit, as attribution candidates
    (:func:`teamgraph.rules.binding.attribute` picks the one in force at each paid time)."""
    bindings = [
        Binding(did, since, expires_at, ended_at)
        for did, since, ended_at, expires_at in customer["bindings"]
    ]
    sharers = [
        Sharer(did, until=t + window, since=t)
        for did, times in customer["shares"]
        for t in times or []
    ]
    return bindings, sharers


def _chain(head: str, people: Mapping[str, _Distributor]) -> list[tuple[str, int]]:
    """``head`` and two inviters above it with their levels as they stand now (R-3.7)."""
    chain: list[tuple[str, int]] = []
    at: str | None = head
    while at is not None and at in people and len(chain) < 3:
        chain.append((at, people[at].level))
        at = people[at].inviter
    return chain


# -- orders ---------------------------------------------------------------------------------------
Events = list[tuple[int, int, str]]


@dataclass
class _Batch:
    """What one batch writes (``orders.load_batch``), as rows of values in the statement's
    column order; an order completed in its own batch is written completed."""

    orders: dict[str, list[Any]] = field(default_factory=dict)
    lines: list[list[Any]] = field(default_factory=list)
    entries: list[list[Any]] = field(default_factory=list)
    completions: list[list[Any]] = field(default_factory=list)
    spent: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    touched: set[str] = field(default_factory=set)

    def paid(self, oid: str, o: Order, at: int, decided: rules_orders.OrderDecision) -> None:
        self.orders[oid] = [
            oid,
            o.customer_id,
            at,
            decided.paid_fen,
            decided.split_fen,
            o.digest,
            decided.attributed_to,
            decided.first_order,
            None,
            None,
        ]
        self.lines += [
            [oid, x["idx"], x["product_id"], x["qty"], x["paid_fen"], x["split_fen"], x["cost_fen"]]
            for x in decided.lines
        ]
        self.entries += [[oid, e["id"], e["distributor_id"], e["amount"], e["unit"], e["tier"],
                          e["line"], e["product_id"], e["basis"], e["rate_bp"], e["per_unit"]]
                         for e in decided.entries]  # fmt: skip
        spent = self.spent[o.customer_id]
        spent[0] += 1
        spent[1] += decided.paid_fen

    def completed(self, oid: str, at: int, settle_at: int) -> None:
        row = self.orders.get(oid)
        if row is not None:
            row[8], row[9] = at, settle_at
        else:
            self.completions.append([oid, at, settle_at])

    def rows(self, people: Mapping[str, _Distributor]) -> dict[str, list[list[Any]]]:
        """The statement's parameters, the distributors' counters taken as deltas now (and
        started again from zero for the next batch)."""
        changed = [
            [did, *(people[did].delta.get(k, 0) for k in _COUNTERS),
             people[did].level if people[did].raised_at is not None else None,
             people[did].raised_at]
            for did in sorted(self.touched)
        ]  # fmt: skip
        for did in self.touched:
            people[did].delta, people[did].raised_at = {}, None
        return {
            "orders": list(self.orders.values()),
            "lines": self.lines,
            "entries": self.entries,
            "completions": self.completions,
            "customers": [[c, n, f] for c, (n, f) in self.spent.items()],
            "distributors": changed,
        }


class _Writer:
    """Writes batches one at a time and in order, each while the next one is decided: the
    decisions are Python and the write is mostly the engine's, so on two cores they overlap.
    At most one write is in flight; :meth:`wait` returns once it is done and raises what it
    raised, so a failed batch stops the load before any later batch is written (the graph
    holds a prefix of the events, as before)."""

    def __init__(self, write: Callable[..., Any]) -> None:
        self._write = write
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-write")
        self._pending: Future[Any] | None = None

    def submit(self, rows: Mapping[str, Any]) -> None:
        self.wait()
        self._pending = self._pool.submit(self._write, **rows)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)  # a write under way finishes: a batch is atomic anyway


def record_orders(
    bulk: Bulk,
    new: Mapping[str, Order],
    completions: Mapping[str, tuple[int, str | None, int]],
    products: Mapping[str, Mapping[str, Any]],
    *,
    batch_size: int = 2_000,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Record ``new`` orders (paid, and completed when they say so) and complete stored ones
    (``completions``: order id -> (time, attributed distributor, paid time)), all in time order:
    payments and completions interleaved by their times, a payment before a completion at the
    same time. Returns the orders refused, id -> reason (a bad line, as ``record_order``
    refuses it)."""
    shop = bulk.shop
    events: Events = [(o.paid_at, 0, oid) for oid, o in new.items()]
    events += [(o.completed_at, 1, oid) for oid, o in new.items() if o.completed_at is not None]
    events += [(at, 1, oid) for oid, (at, _, _) in completions.items()]
    events.sort()
    refused: dict[str, str] = {}
    if not events:
        return refused
    catalog = {
        pid: rules_orders.Product(
            rules_commission.ProductReward(p["reward_bp"], p["reward_fen"]), p["cost_fen"]
        )
        for pid, p in products.items()
    }
    times = [e[0] for e in events]
    attributed: dict[str, str | None] = {oid: d for oid, (_, d, _) in completions.items()}
    start = 0
    stored: ProgramSettings | None = None
    with _Writer(bulk.load_order_batch) as writer:
        while start < len(events):
            if stored is None or (
                stored.pending is not None and stored.pending.effective_at <= times[start]
            ):
                # the state as the graph has it: at the start, and again once a pending settings
                # change applied (a mode change may end every binding, R-1.10)
                writer.wait()
                settings = shop.catch_up(times[start])
                stored = shop._stored_settings()[0]
                people = _people(shop)
                expiries = _Expiries(shop, times[-1])
                window = settings.sharer_window_hours * MS_PER_HOUR
                paying = {new[oid].customer_id for _, step, oid in events[start:] if step == 0}
                buyers = {r["id"]: r for r in bulk._read_ids("orders.history_customers", paying)}
                candidates = {c: _candidates(buyer, window) for c, buyer in buyers.items()}
            end = _cut_at_settings(stored, times, start, min(start + batch_size, len(events)))
            batch = events[start:end]
            out = _Batch()
            for at, step, oid in batch:
                expiries.advance(at, people)
                if step == 0:
                    o = new[oid]
                    try:
                        lines = rules_orders.parse_lines(o.lines)
                    except ValidationError as exc:
                        refused[oid] = exc.reason()
                        continue
                    buyer = buyers[o.customer_id]
                    bindings, sharers = candidates[o.customer_id]
                    decided = rules_orders.decide_order(
                        settings,
                        rules_orders.OrderContext(
                            order_id=oid,
                            customer_id=o.customer_id,
                            paid_at=at,
                            lines=lines,
                            products=catalog,
                            bindings=bindings,
                            sharers=sharers,
                            chains={
                                d: _chain(d, people)
                                for d in {b.distributor_id for b in bindings}
                                | {x.distributor_id for x in sharers}
                            },
                            paid_orders=buyer["paid_orders"],
                        ),
                    )
                    head = decided.attributed_to
                    attributed[oid] = head
                    buyer["paid_orders"] += 1
                    out.paid(oid, o, at, decided)
                    if head is not None and head in people:
                        out.touched.add(head)
                        _move(people[head], decided.counters, settings, at)
                else:
                    if oid in refused:
                        continue
                    paid_at = new[oid].paid_at if oid in new else completions[oid][2]
                    completed = rules_orders.decide_completion(settings, paid_at=paid_at, at=at)
                    out.completed(oid, at, completed.settle_at)
                    head = attributed.get(oid)
                    if head is not None and head in people:
                        out.touched.add(head)
                        _move(people[head], completed.counters, settings, at)
            writer.submit(out.rows(people))
            if on_batch is not None:
                on_batch(len(batch))
            start = end
        writer.wait()
    shop.catch_up(events[-1][0])  # as the last live event leaves the ledger (its own catch_up)
    return refused


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
            for r in bulk._read_ids("refunds.history_orders", {x.order_id for x in batch})
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
                refused[rf.id] = exc.reason()
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
    """One refund of order ``o`` (its state in memory), decided as ``Shop.refund`` decides it,
    and its effect on that state."""
    decided = rules_orders.decide_refund(
        refund_id=rf.id,
        order_id=rf.order_id,
        amount_fen=rf.amount_fen,
        product_id=rf.product_id,
        at=rf.at,
        paid_at=o["paid_at"],
        lines=[rules_orders.StoredLine.of(x) for x in o["lines"]],
        rewards=[rules_orders.StoredReward.of(e) for e in o["entries"]],
    )
    lines = {x["idx"]: x for x in o["lines"]}
    for part in decided.lines:
        lines[part["idx"]]["refunded_fen"] += part["amount"]
        lines[part["idx"]]["touched"] = True
    rewards = {e["id"]: e for e in o["entries"]}
    for cb in decided.clawbacks:
        rewards[cb["entry_id"]]["returned"] += cb["amount"]
        rewards[cb["entry_id"]]["touched"] = True
        clawbacks.append({**cb, "at": rf.at, "order_id": rf.order_id, "refund_id": rf.id})
