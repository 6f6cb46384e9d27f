"""Paid orders at shop scale: ``POST /v1/orders``, then completions and refunds.

Builds the synthetic shop of ``teamgraph.etl.demo`` (by default 100,000 customers / 10,000
distributors, the same build as ``team_views``) under a two-level program, adds customers bound
to nobody and ~200 products (some with their own reward rate, ``Shop.upsert_product``), then
records N paid orders (``--orders``, default 5,000; random customers, about one in ten unbound,
1–3 lines each, ``paid_at`` omitted so it is now):

- in-process, sequentially, through ``Shop.record_order`` on a store wrapped in a counting
  proxy: the cost of the store alone, and the statements (reads and writes, by name) each
  recorded order runs;
- over HTTP, against a real ``python -m teamgraph serve`` with a merchant key: sequentially
  with one persistent client, then with ``--clients`` (default 4) concurrent clients, one
  thread each. The statements the server runs are counted on the engine itself (the server's
  ``INFO commandstats``: ``GRAPH.RO_QUERY`` reads, ``GRAPH.QUERY`` writes);

then completes ``--completions`` (1,000) of those orders and refunds ``--refunds`` (500) of the
completed ones in part, both ways. Each phase is timed call by call (p50/p90/p99/max) after
``--warmup`` orders (default N/50). At the end the distributors' counters are checked against
the orders recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks import common
from teamgraph.clock import now_ms
from teamgraph.etl import demo
from teamgraph.shop import Shop

NAME = "orders"
TITLE = "paid orders through POST /v1/orders and Shop.record_order; completions and refunds"

SHOP_ID = common.SHOP_ID
UNBOUND_SHARE = 0.1  # of the orders, placed by customers bound to nobody
# a two-level program: level 2 is earned by orders, so recording one checks the level
PROGRAM: dict[str, Any] = {
    "tiers": 2,
    "levels": [
        {"level": 1, "name": "L1", "reward_bp": 1000, "inviter_reward_bp": 300},
        {
            "level": 2,
            "name": "L2",
            "conditions": {"paid_orders": 20, "received_fen": 200_000},
            "reward_bp": 1500,
            "inviter_reward_bp": 500,
        },
    ],
}
OWN_RATES = (500, 800, 1200, 2000)  # bp, for the products with their own reward
# what the HTTP part needs: name -> (method, path in /openapi.json)
ENDPOINTS: dict[str, tuple[str, str]] = {
    "record": ("post", "/v1/orders"),
    "complete": ("post", "/v1/orders/{order_id}/complete"),
    "refund": ("post", "/v1/orders/{order_id}/refunds"),
}
GRAPH_COMMANDS = {"graph.ro_query": "reads", "graph.query": "writes"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("orders")
    g.add_argument(
        "--orders", type=int, default=5000, help="paid orders recorded per phase (default 5,000)"
    )
    g.add_argument(
        "--clients", type=int, default=4, help="concurrent HTTP clients, one thread each (4)"
    )
    g.add_argument("--completions", type=int, default=1000, help="orders completed (1,000)")
    g.add_argument("--refunds", type=int, default=500, help="partial refunds (500)")
    g.add_argument("--products", type=int, default=200, help="products (default 200)")
    g.add_argument(
        "--unbound",
        type=int,
        default=None,
        help="customers bound to nobody, added to the shop (default customers/100)",
    )


# -- the workload ---------------------------------------------------------------------------------
def make_products(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """``n`` products; about one in four has its own reward rate."""
    out = []
    for i in range(n):
        price = rng.randrange(990, 39_900, 10)
        out.append(
            {
                "id": f"p{i:04d}",
                "name": f"product {i}",
                "price_fen": price,
                "cost_fen": price * rng.randint(40, 70) // 100,
                "reward_bp": rng.choice(OWN_RATES) if rng.random() < 0.25 else None,
            }
        )
    return out


def make_unbound(n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"u{i:06d}", "name": f"walk-in {i}", "joined_at": demo.START_MS + i * 1000}
        for i in range(n)
    ]


def make_orders(
    prefix: str,
    n: int,
    bound: Sequence[str],
    unbound: Sequence[str],
    products: Sequence[dict[str, Any]],
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Bodies of ``POST /v1/orders``: 1–3 lines, a discount now and then, ``paid_at`` omitted."""
    out = []
    for i in range(n):
        pool = unbound if unbound and rng.random() < UNBOUND_SHARE else bound
        lines = []
        for p in rng.sample(products, min(len(products), rng.randint(1, 3))):
            qty = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
            paid = p["price_fen"] * qty
            if rng.random() < 0.2:
                paid = paid * rng.randint(85, 99) // 100
            line = {"product_id": p["id"], "qty": qty, "paid_fen": paid}
            if rng.random() < 0.5:
                line["cost_fen"] = p["cost_fen"] * qty
            lines.append(line)
        out.append({"id": f"{prefix}-{i:06d}", "customer_id": rng.choice(pool), "lines": lines})
    return out


def make_refunds(
    prefix: str, orders: Sequence[dict[str, Any]], n: int, rng: random.Random
) -> list[tuple[str, dict[str, Any]]]:
    """``(order id, body of POST .../refunds)``: part of an order, one in four on one product."""
    out = []
    for i, order in enumerate(orders[:n]):
        share = rng.choice((10, 25, 50, 75))
        body: dict[str, Any] = {"id": f"{prefix}-{i:06d}"}
        if rng.random() < 0.25:
            line = orders[i]["lines"][0]
            body |= {
                "product_id": line["product_id"],
                "amount_fen": line["paid_fen"] * share // 100,
            }
        else:
            total = sum(x["paid_fen"] for x in order["lines"])
            body["amount_fen"] = total * share // 100
        body["amount_fen"] = max(1, body["amount_fen"])
        out.append((order["id"], body))
    return out


# -- statements -----------------------------------------------------------------------------------
class CountingStore:
    """A thin proxy around a shop's store logging each read and write statement by
    name with its duration (benchmark only); everything else goes to the store."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.log: list[tuple[str, str, int]] = []  # (read|write, name, ns)
        self.rows: list[Mapping[str, Any]] = []  # the rows handed to write_together

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)

    def _timed(self, kind: str, fn: Callable[..., Any], name: str, *a: Any, **kw: Any) -> Any:
        t0 = time.perf_counter_ns()
        try:
            return fn(name, *a, **kw)
        finally:
            self.log.append((kind, name, time.perf_counter_ns() - t0))

    def read(self, name: str, /, **params: Any) -> Any:
        return self._timed("read", self._inner.read, name, **params)

    def write(self, name: str, /, **params: Any) -> Any:
        return self._timed("write", self._inner.write, name, **params)

    def write_batch(self, name: str, /, *a: Any, **kw: Any) -> Any:
        return self._timed("write", self._inner.write_batch, name, *a, **kw)

    def write_together(self, name: str, row: Mapping[str, Any], *a: Any, **kw: Any) -> Any:
        self.rows.append(row)
        return self._timed("write", self._inner.write_together, name, row, *a, **kw)


class Alone:
    """The store with group commit left out: each order its own ``order.create`` (the A/B of
    :func:`grouped_or_alone`)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)

    def write_together(self, name: str, row: Mapping[str, Any], keys: Any = ()) -> Any:
        rows = self._inner.write(name, rows=[{**row, "i": 0}])
        return [{k: v for k, v in r.items() if k != "i"} for r in rows]


class CountingEngine:
    """The engine, its stores wrapped in :class:`CountingStore` sharing one log: to count the
    statements of an API route run in this process."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.log: list[tuple[str, str, int]] = []

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)

    def open(self, shop: str) -> CountingStore:
        store = CountingStore(self._inner.open(shop))
        store.log = self.log
        return store


@dataclass
class StatementTally:
    """Statements per call of one operation, from the proxy's log."""

    calls: int = 0
    per_call: list[tuple[int, int]] = field(default_factory=list)  # (reads, writes)
    by_name: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # -> each ns

    def add(self, entries: Sequence[tuple[str, str, int]]) -> None:
        self.calls += 1
        reads = sum(1 for k, _, _ in entries if k == "read")
        self.per_call.append((reads, len(entries) - reads))
        for kind, name, ns in entries:
            self.by_name.setdefault((kind, name), []).append(ns)

    def summary(self) -> dict[str, Any]:
        if not self.calls:
            return {}
        reads = [r for r, _ in self.per_call]
        writes = [w for _, w in self.per_call]
        total = [r + w for r, w in self.per_call]
        return {
            "calls": self.calls,
            "reads_mean": sum(reads) / self.calls,
            "writes_mean": sum(writes) / self.calls,
            "statements_min": min(total),
            "statements_max": max(total),
            "statements_mean": sum(total) / self.calls,
            "shapes": {
                f"{r}r+{w}w": n for (r, w), n in sorted(Counter(self.per_call).items())
            },  # how many calls ran r reads and w writes
            "by_name": [
                {
                    "kind": kind,
                    "name": name,
                    "per_call": len(ns) / self.calls,
                    "ms_per_call": sum(ns) / self.calls / 1e6,
                }
                | {k: v for k, v in common.latency_stats(ns).items() if k.endswith("_ms")}
                for (kind, name), ns in sorted(
                    self.by_name.items(), key=lambda x: (x[0][0], -len(x[1]), x[0][1])
                )
            ],
        }


def graph_commands(engine: Any) -> dict[str, int] | None:
    """Calls of every command the engine's server has run so far (``INFO commandstats``), or
    None when the engine is not a FalkorDB server we can ask."""
    host, port = getattr(engine, "host", None), getattr(engine, "port", None)
    if host is None or port is None:
        return None
    try:
        import redis

        client = redis.Redis(host=host, port=port, socket_timeout=5)
        try:
            stats = client.info("commandstats")
        finally:
            client.close()
    except Exception:  # the count is a bonus, never a failure
        return None
    return {
        k.removeprefix("cmdstat_").lower(): int(v["calls"])
        for k, v in stats.items()
        if isinstance(v, dict) and "calls" in v
    }


PERSISTENCE = ("aof_rewrites", "total_forks", "aof_current_size", "used_memory")


def persistence(engine: Any) -> dict[str, int] | None:
    """AOF rewrites and forks so far, AOF size and memory of the engine's server: a rewrite
    (a fork copying the graph) during the measurements shows in the tail."""
    host, port = getattr(engine, "host", None), getattr(engine, "port", None)
    if host is None or port is None:
        return None
    try:
        import redis

        client = redis.Redis(host=host, port=port, socket_timeout=5)
        try:
            info = client.info("persistence") | client.info("stats") | client.info("memory")
        finally:
            client.close()
    except Exception:  # a bonus, never a failure
        return None
    return {k: int(info[k]) for k in PERSISTENCE if k in info}


def commands_delta(
    before: Mapping[str, int] | None, after: Mapping[str, int] | None, calls: int
) -> dict[str, Any] | None:
    """Graph statements per call between two ``graph_commands`` snapshots."""
    if before is None or after is None or calls <= 0:
        return None
    return {
        label: (after.get(command, 0) - before.get(command, 0)) / calls
        for command, label in GRAPH_COMMANDS.items()
    }


# -- measuring ------------------------------------------------------------------------------------
@dataclass
class Seen:
    """What was recorded, all phases and warm-ups: each order's attributed distributor (None:
    nobody) and paid amount, the orders completed and the amounts refunded, for the check."""

    orders: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    completed: set[str] = field(default_factory=set)
    refunded: dict[str, int] = field(default_factory=dict)

    def order(self, order_id: str, view: Mapping[str, Any]) -> None:
        self.orders[order_id] = (view["attributed_to"], view["paid_fen"])

    def refund(self, order_id: str, amount: int) -> None:
        self.refunded[order_id] = self.refunded.get(order_id, 0) + amount


@dataclass
class Outcome:
    """What one call left: its error text (None: fine) and the recorded order's summary."""

    error: str | None = None
    order: dict[str, Any] | None = None


def measure(
    call: Callable[[Any], Outcome],
    items: Sequence[Any],
    reporter: common.Reporter,
    label: str,
    *,
    after_each: Callable[[], None] | None = None,
) -> tuple[dict[str, Any], list[Outcome]]:
    """``call`` on each item in turn, timed one by one; latency stats and the outcomes."""
    durations: list[int] = []
    outcomes: list[Outcome] = []
    with reporter.loop(label, len(items)) as advance:
        started = time.perf_counter()
        for item in items:
            t0 = time.perf_counter_ns()
            outcome = call(item)
            durations.append(time.perf_counter_ns() - t0)
            outcomes.append(outcome)
            if after_each is not None:
                after_each()
            advance()
        wall = time.perf_counter() - started
    stats = finish(durations, wall, outcomes)
    say_stats(reporter, label, stats)
    return stats, outcomes


def measure_concurrently(
    make_call: Callable[[], tuple[Callable[[Any], Outcome], Callable[[], None]]],
    items: Sequence[Any],
    clients: int,
    reporter: common.Reporter,
    label: str,
) -> tuple[dict[str, Any], list[Outcome]]:
    """``clients`` threads, each with its own ``call`` (from ``make_call``: the call and its
    close), sharing ``items`` round-robin; all start together, the wall time ends with the
    last one."""
    parts = [list(items[i::clients]) for i in range(clients)]
    durations: list[list[int]] = [[] for _ in range(clients)]
    outcomes: list[list[Outcome]] = [[] for _ in range(clients)]
    failures: list[BaseException] = []
    start = threading.Barrier(clients + 1)

    def worker(i: int) -> None:
        call, close = make_call()
        try:
            start.wait()
            for item in parts[i]:
                t0 = time.perf_counter_ns()
                outcome = call(item)
                durations[i].append(time.perf_counter_ns() - t0)
                outcomes[i].append(outcome)
        except BaseException as exc:  # reported after the join
            failures.append(exc)
        finally:
            close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    reporter.say(f"  … {label} ({len(items):,} calls, {clients} clients)")
    for t in threads:
        t.start()
    start.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if failures:
        raise failures[0]
    stats = finish(
        [d for part in durations for d in part], wall, [o for part in outcomes for o in part]
    )
    stats["clients"] = clients
    stats["per_client_rps"] = [len(d) / wall for d in durations] if wall > 0 else []
    say_stats(reporter, label, stats)
    return stats, [o for part in outcomes for o in part]


def finish(durations: list[int], wall: float, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    stats = common.latency_stats(durations, wall)
    errors = [o.error for o in outcomes if o.error is not None]
    stats |= {"wall_s": wall, "errors": len(errors), "first_error": errors[0] if errors else None}
    return stats


def say_stats(reporter: common.Reporter, label: str, stats: dict[str, Any]) -> None:
    errors = f", {stats['errors']} errors (e.g. {stats['first_error']})" if stats["errors"] else ""
    reporter.say(
        f"  ✓ {label}: {stats['rps']:,.0f}/s, p50 {stats['p50_ms']:.2f} ms, "
        f"p99 {stats['p99_ms']:.2f} ms, max {stats['max_ms']:.1f} ms{errors}"
    )


def summarize_orders(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Attribution and rewards of the recorded orders (from their answers)."""
    orders = [o.order for o in outcomes if o.order is not None]
    if not orders:
        return {"orders": 0}
    rewards = [len(o["rewards"]) for o in orders]
    return {
        "orders": len(orders),
        "attributed": sum(1 for o in orders if o["attributed_to"]),
        "rewards_mean": sum(rewards) / len(orders),
        "rewards_max": max(rewards),
        "paid_fen": sum(o["paid_fen"] for o in orders),
    }


# -- in-process -----------------------------------------------------------------------------------
def in_process(
    shop: Shop, plan: dict[str, Any], seen: Seen, reporter: common.Reporter
) -> dict[str, Any]:
    """Record, complete and refund through a Shop whose store counts its statements."""
    counting = CountingStore(shop.store)
    counted = Shop(counting)  # type: ignore[arg-type]
    out: dict[str, Any] = {}

    def record(body: dict[str, Any]) -> Outcome:
        view = counted.record_order(body["id"], body["customer_id"], body["lines"])
        seen.order(body["id"], view)
        return Outcome(order={k: view[k] for k in ("attributed_to", "paid_fen", "rewards")})

    def complete(order_id: str) -> Outcome:
        counted.complete_order(order_id)
        seen.completed.add(order_id)
        return Outcome()

    def refund(item: tuple[str, dict[str, Any]]) -> Outcome:
        order_id, body = item
        counted.refund(order_id, body["id"], body["amount_fen"], product_id=body.get("product_id"))
        seen.refund(order_id, body["amount_fen"])
        return Outcome()

    for body in plan["warmup_in_process"]:
        record(body)
    phases: list[tuple[str, Callable[[Any], Outcome], Sequence[Any]]] = [
        ("record", record, plan["in_process"]),
        ("complete", complete, [o["id"] for o in plan["in_process"][: plan["completions"]]]),
        ("refund", refund, plan["refunds_in_process"]),
    ]
    out["rows"] = counting.rows  # what order.create was given: engine_limit replays them
    for name, call, items in phases:
        if not items:
            continue
        tally = StatementTally()
        mark = [len(counting.log)]

        def after_each(tally: StatementTally = tally, mark: list[int] = mark) -> None:
            tally.add(counting.log[mark[0] :])
            mark[0] = len(counting.log)

        counting.log.clear()
        mark[0] = 0
        stats, outcomes = measure(
            call, items, reporter, f"in-process {name}", after_each=after_each
        )
        stats["statements"] = tally.summary()
        if name == "record":
            stats["orders"] = summarize_orders(outcomes)
        out[name] = stats
    return out


def grouped_or_alone(
    engine: Any,
    shop: Shop,
    orders: Sequence[dict[str, Any]],
    clients: int,
    seen: Seen,
    reporter: common.Reporter,
) -> dict[str, Any]:
    """``clients`` threads recording orders in this process, with group commit and without
    (each order its own statement), in alternating rounds: what writing together gives, apart
    from HTTP."""
    rounds = [list(orders[i::4]) for i in range(4)]
    out: dict[str, list[dict[str, Any]]] = {"grouped": [], "alone": []}
    for k, items in enumerate(rounds):
        how = "grouped" if k % 2 == 0 else "alone"
        store = shop.store if how == "grouped" else Alone(shop.store)
        counted = Shop(store)

        def make_call(
            counted: Shop = counted,
        ) -> tuple[Callable[[Any], Outcome], Callable[[], None]]:
            def call(body: dict[str, Any]) -> Outcome:
                view = counted.record_order(body["id"], body["customer_id"], body["lines"])
                seen.order(body["id"], view)
                return Outcome()

            return call, lambda: None

        before = engine.groups.totals()
        stats, _ = measure_concurrently(
            make_call, items, clients, reporter, f"in-process record, {clients} threads, {how}"
        )
        statements, rows = (a - b for a, b in zip(engine.groups.totals(), before, strict=True))
        stats["rows_per_statement"] = rows / statements if statements else 1.0
        stats["load_average"] = os.getloadavg()[0]
        out[how].append(stats)
    return out


LIMIT_GROUP = 8
"""Orders per statement in :func:`engine_limit`'s grouped runs (the clients of a flash sale)."""


def engine_limit(
    shop: Shop, rows: Sequence[Mapping[str, Any]], reporter: common.Reporter
) -> dict[str, Any]:
    """``order.create`` beside ``benchmark.minimal_order`` (the same nodes and relationships,
    none of the checks and counters), on copies of the rows recorded orders wrote: one order
    per statement, then :data:`LIMIT_GROUP`. Run last: the copies are orders no check counts."""
    out: dict[str, Any] = {}
    for name in ("order.create", "benchmark.minimal_order"):
        for size in (1, LIMIT_GROUP):
            tag = f"{'min' if name.startswith('benchmark') else 'cre'}{size}"
            copies = [_copy(r, f"{tag}-{k}") for k, r in enumerate(rows)]
            durations: list[int] = []
            label = f"{name}, {size} per statement"
            with reporter.loop(label, -(-len(copies) // size)) as advance:
                started = time.perf_counter()
                for i in range(0, len(copies), size):
                    batch = [{**c, "i": j} for j, c in enumerate(copies[i : i + size])]
                    t0 = time.perf_counter_ns()
                    shop.store.write(name, rows=batch)
                    durations.append(time.perf_counter_ns() - t0)
                    advance()
                wall = time.perf_counter() - started
            stats = common.latency_stats(durations, wall)
            stats["orders_per_s"] = len(copies) / wall if wall > 0 else 0.0
            stats["load_average"] = os.getloadavg()[0]
            reporter.say(
                f"  ✓ {label}: p50 {stats['p50_ms']:.2f} ms a statement, "
                f"{stats['orders_per_s']:,.0f} orders/s"
            )
            out[f"{name}/{size}"] = stats
    return out


def _copy(row: Mapping[str, Any], order_id: str) -> dict[str, Any]:
    """A recorded order's row under a new id, as a repeat buyer's (no first-order check)."""
    entries = [{**e, "id": f"{order_id}:{e['id']}"} for e in row["entries"]]
    return {**row, "id": order_id, "first_order": False, "entries": entries}


def through_the_route(
    engine: Any, key: str, bodies: Sequence[dict[str, Any]], seen: Seen, reporter: common.Reporter
) -> dict[str, Any]:
    """``POST /v1/orders`` with the app in this process (ASGI, no socket, its own lifespan) on
    a counting engine: the statements of the whole route by name, key check and rendering
    included."""
    from teamgraph.api import create_app

    counting = CountingEngine(engine)
    tally = StatementTally()
    errors: list[str] = []

    async def go() -> None:
        app = create_app(engine=counting)  # type: ignore[arg-type]
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://asgi",
                headers={"Authorization": f"Bearer {key}"},
            ) as client,
        ):
            for body in bodies:
                mark = len(counting.log)
                response = await client.post("/v1/orders", json=body)
                tally.add(counting.log[mark:])
                if response.status_code == 201:
                    seen.order(body["id"], response.json())
                else:
                    errors.append(f"{response.status_code} {response.text[:200]}")

    with reporter.phase(f"POST /v1/orders in-process (ASGI): statements of {len(bodies)} orders"):
        asyncio.run(go())
    return {
        "n": len(bodies),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "statements": tally.summary(),
    }


# -- over HTTP ------------------------------------------------------------------------------------
def endpoints(url: str) -> dict[str, str | None]:
    """Each needed call's path if ``/openapi.json`` has it with its method, else None."""
    paths = httpx.get(f"{url}/openapi.json", timeout=10).raise_for_status().json()["paths"]
    found: dict[str, str | None] = {}
    for name, (method, path) in ENDPOINTS.items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", r"\{[^}/]+\}", re.escape(path)) + "$"
        found[name] = next(
            (p for p, item in paths.items() if re.match(pattern, p) and method in item), None
        )
    return found


def _client(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def _post(client: httpx.Client, path: str, body: dict[str, Any] | None, want: int) -> Outcome:
    response = client.post(path, json=body)
    if response.status_code != want:
        return Outcome(error=f"{response.status_code} {response.text[:200]}")
    return Outcome(order=response.json())


def _record(client: httpx.Client, body: dict[str, Any], seen: Seen) -> Outcome:
    outcome = _post(client, "/v1/orders", body, 201)
    if outcome.order is not None:
        outcome.order = {k: outcome.order[k] for k in ("attributed_to", "paid_fen", "rewards")}
        seen.order(body["id"], outcome.order)
    return outcome


def _complete(client: httpx.Client, order_id: str, seen: Seen) -> Outcome:
    outcome = _post(client, f"/v1/orders/{order_id}/complete", None, 200)
    if outcome.error is None:
        seen.completed.add(order_id)
    return outcome


def _refund(client: httpx.Client, item: tuple[str, dict[str, Any]], seen: Seen) -> Outcome:
    order_id, body = item
    outcome = _post(client, f"/v1/orders/{order_id}/refunds", body, 201)
    if outcome.error is None:
        seen.refund(order_id, body["amount_fen"])
    return outcome


def over_http(
    url: str,
    key: str,
    engine: Any,
    plan: dict[str, Any],
    clients: int,
    seen: Seen,
    reporter: common.Reporter,
) -> dict[str, Any]:
    paths = endpoints(url)
    out: dict[str, Any] = {
        "paths": paths,
        "missing": [name for name, p in paths.items() if p is None],
        "calls": {},
    }
    for name in out["missing"]:
        method, path = ENDPOINTS[name]
        reporter.say(f"  ✗ HTTP {name}: {method.upper()} {path} not in /openapi.json")
    if paths["record"] is None:
        return out

    @contextlib.contextmanager
    def counted(name: str, calls: int) -> Iterator[None]:
        before = graph_commands(engine)
        yield
        out["calls"][name]["graph"] = commands_delta(before, graph_commands(engine), calls)

    with _client(url, key) as client:
        for body in plan["warmup_http"]:
            _record(client, body, seen)
        sequential = plan["http"]
        with counted("record", len(sequential)):
            stats, outcomes = measure(
                lambda b: _record(client, b, seen), sequential, reporter, "HTTP record, 1 client"
            )
            stats["orders"] = summarize_orders(outcomes)
            out["calls"]["record"] = stats

        if clients > 1 and plan["http_concurrent"]:

            def make_call() -> tuple[Callable[[Any], Outcome], Callable[[], None]]:
                own = _client(url, key)
                return (lambda b: _record(own, b, seen)), own.close

            concurrent = plan["http_concurrent"]
            with counted("record_concurrent", len(concurrent)):
                stats, outcomes = measure_concurrently(
                    make_call, concurrent, clients, reporter, f"HTTP record, {clients} clients"
                )
                stats["orders"] = summarize_orders(outcomes)
                out["calls"]["record_concurrent"] = stats

        completions = [o["id"] for o in sequential[: plan["completions"]]]
        if paths["complete"] is not None and completions:
            with counted("complete", len(completions)):
                stats, _ = measure(
                    lambda oid: _complete(client, oid, seen),
                    completions,
                    reporter,
                    "HTTP complete",
                )
                out["calls"]["complete"] = stats
        refunds = plan["refunds_http"]
        if paths["refund"] is not None and refunds:
            with counted("refund", len(refunds)):
                stats, _ = measure(
                    lambda item: _refund(client, item, seen),
                    refunds,
                    reporter,
                    "HTTP refund",
                )
                out["calls"]["refund"] = stats
    return out


# -- checks ---------------------------------------------------------------------------------------
def check(shop: Shop, data: demo.DemoShop, seen: Seen) -> dict[str, Any]:
    """The graph's orders and the distributors' order counters (R-4.2, M-2) against what was
    recorded, completed and refunded (every phase, warm-ups included)."""
    profiles = shop.store.read("distributor.profiles", ids=[d["id"] for d in data.distributors])
    attributed = {oid for oid, (who, _) in seen.orders.items() if who is not None}
    expected = {
        "orders": len(seen.orders),
        "paid_orders": len(attributed),
        "completed_orders": len(seen.completed & attributed),
        "received_fen": sum(seen.orders[oid][1] - seen.refunded.get(oid, 0) for oid in attributed),
    }
    found = {
        "orders": int(shop.counts()["orders"]),
        **{
            name: sum(int(p[name] or 0) for p in profiles)
            for name in ("paid_orders", "completed_orders", "received_fen")
        },
    }
    return {
        "expected": expected,
        "found": found,
        "ok": expected == found,
        "level_2": sum(1 for p in profiles if (p["level"] or 1) >= 2),
    }


# -- the benchmark --------------------------------------------------------------------------------
def plan_workload(
    args: argparse.Namespace, data: demo.DemoShop, unbound: list[dict[str, Any]], products: list
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    bound = [c["id"] for c in data.customers]
    loose = [c["id"] for c in unbound]
    n = args.orders
    warmup = args.warmup if getattr(args, "warmup", None) is not None else max(5, n // 50)
    completions = min(args.completions, n)
    refunds = min(args.refunds, n)

    def orders(prefix: str, k: int) -> list[dict[str, Any]]:
        return make_orders(prefix, k, bound, loose, products, rng)

    plan: dict[str, Any] = {
        "warmup": warmup,
        "completions": completions,
        "warmup_in_process": orders("warm-i", warmup),
        "in_process": orders("inproc", n),
        "route": orders("asgi", min(50, n)),
        "warmup_http": orders("warm-h", warmup),
        "http": orders("http", n),
        "http_concurrent": orders("http4", n) if args.clients > 1 else [],
        "concurrent_in_process": orders("group", n) if args.clients > 1 else [],
    }
    # refunds fall on completed orders when there are enough, else on the first ones
    plan["refunds_in_process"] = make_refunds("rf-i", plan["in_process"], refunds, rng)
    plan["refunds_http"] = make_refunds("rf-h", plan["http"], refunds, rng)
    return plan


def run(args: argparse.Namespace, engine_kind: str = "falkordb") -> dict[str, Any]:
    """The benchmark on a fresh embedded FalkorDB, or (``engine_kind`` neo4j) on the Neo4j of
    ``args.neo4j`` with the API served from it."""
    reporter = common.Reporter(quiet=getattr(args, "quiet", False))
    started = time.perf_counter()
    unbound_n = args.unbound if args.unbound is not None else max(1, args.customers // 100)
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": common.now_text(),
        "params": {
            "customers": args.customers,
            "distributors": args.distributors,
            "orders": args.orders,
            "clients": args.clients,
            "completions": min(args.completions, args.orders),
            "refunds": min(args.refunds, args.orders),
            "products": args.products,
            "unbound": unbound_n,
            "seed": args.seed,
        },
        "program": PROGRAM,
        "machine": common.machine(),
    }
    with common.bench_engine(engine_kind, args, reporter, f"{SHOP_ID}-orders") as bench:
        engine, data_dir = bench.engine, bench.data_dir
        result["engine"] = common.engine_info(engine)
        shop = Shop.create(engine, bench.shop_id, PROGRAM)
        # orders are paid now: the shop's history (bindings, invitations) has to be behind us
        data, phases, statements, counts = common.build_shop(
            shop, args, reporter, history_ends_at=now_ms() - demo.DAY_MS
        )
        result["loaded"] = counts
        result["build"] = common.build_rows(phases)
        result["statements"] = statements

        unbound = make_unbound(unbound_n)
        with reporter.phase(f"add {unbound_n:,} customers bound to nobody", unbound_n):
            shop.bulk.load_customers(unbound)
        products = make_products(args.products, random.Random(args.seed + 1))
        durations = []
        with reporter.phase(f"upsert {args.products:,} products", args.products) as ph:
            for p in products:
                t0 = time.perf_counter_ns()
                shop.upsert_product(
                    p["id"],
                    name=p["name"],
                    price_fen=p["price_fen"],
                    cost_fen=p["cost_fen"],
                    reward_bp=p["reward_bp"],
                )
                durations.append(time.perf_counter_ns() - t0)
        result["products"] = {
            "count": len(products),
            "own_rate": sum(1 for p in products if p["reward_bp"] is not None),
            "upsert": common.latency_stats(durations, ph.seconds),
        }
        result["shop"] = {
            "customers": len(data.customers) + unbound_n,
            "distributors": len(data.distributors),
            "invitations": len(data.invitations),
            "bindings": len(data.bindings),
            "unbound": unbound_n + (len(data.customers) - len(data.bindings)),
        }
        plan = plan_workload(args, data, unbound, products)
        result["params"]["warmup"] = plan["warmup"]

        load_before = os.getloadavg()[0]
        engine_before = persistence(engine)
        seen = Seen()
        result["in_process"] = in_process(shop, plan, seen, reporter)
        if args.clients > 1:
            result["grouped"] = grouped_or_alone(
                engine, shop, plan["concurrent_in_process"], args.clients, seen, reporter
            )
        key = shop.create_key("merchant")
        result["route"] = through_the_route(engine, key, plan["route"], seen, reporter)
        with common.api_server(data_dir, reporter, bench.env) as server:
            result["http"] = over_http(server.url, key, engine, plan, args.clients, seen, reporter)
        result["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
        result["persistence"] = {"before": engine_before, "after": persistence(engine)}
        with reporter.phase("check the distributors' counters"):
            result["check"] = check(shop, data, seen)
        rows = result["in_process"].pop("rows")[: args.orders // 4]
        result["limit"] = engine_limit(shop, rows, reporter)
    result["total_seconds"] = time.perf_counter() - started
    result["notes"] = notes(result)
    return result


def notes(result: dict[str, Any]) -> list[str]:
    """What the figures need said next to them, from the figures themselves."""
    out: list[str] = []
    http = result.get("http", {})
    for name in http.get("missing", []):
        method, path = ENDPOINTS[name]
        out.append(
            f"HTTP {name}: `{method.upper()} {path}` was absent from /openapi.json when this ran; "
            "its in-process figures are measured anyway"
        )
    for where, calls in (("HTTP", http.get("calls", {})), ("in-process", result["in_process"])):
        for name, stats in calls.items():
            if stats["errors"]:
                out.append(
                    f"{where} {name}: {stats['errors']:,} failed calls, e.g. {stats['first_error']}"
                )
    c = result.get("check", {})
    if c and not c["ok"]:
        out.append(
            "the check failed: "
            + ", ".join(
                f"{k} {c['found'][k]:,} found, {v:,} expected"
                for k, v in c["expected"].items()
                if c["found"][k] != v
            )
        )
    for where, calls in (("HTTP", http.get("calls", {})), ("in-process", result["in_process"])):
        orders = calls.get("record", {}).get("orders", {})
        if orders.get("orders") and orders["attributed"] < orders["orders"] / 2:
            out.append(
                f"{where}: only {orders['attributed'] / orders['orders']:.0%} of the orders were "
                "attributed: were the bindings in force when they were paid?"
            )
    nproc = result["machine"]["nproc"]
    clients = result["params"]["clients"]
    if "record_concurrent" in http.get("calls", {}) and nproc <= clients:
        out.append(
            f"{clients} client threads, the API process and the engine share {nproc} CPUs: "
            "the concurrent figure is what this machine sustains, not what the API could"
        )
    return out


# -- output ---------------------------------------------------------------------------------------
CALL_TEXT = {
    "record": "record (`POST /v1/orders`)",
    "record_concurrent": "record (`POST /v1/orders`)",
    "complete": "complete (`.../complete`)",
    "refund": "partial refund (`.../refunds`)",
}


METHOD = {"record": "record_order", "complete": "complete_order", "refund": "refund"}
# what each statement a recorded order runs is for
ROLE = {
    "order.context": "the context",
    "order.create": "the write",
    "shop.due": "`catch_up`",
    "order.view": "the order as answered",
    "distributor.profiles": "level check, attributed orders only",
    "distributor.raise_level": "a level earned",
    "key.get": "the key",
    "key.touch": "the key's last use, once a minute (K-6)",
    "shop.get": "settings, to render times",
}


HEADER_GROUPED = [
    "how", "round", "threads", "n", "per s", "p50", "p99", "orders per write", "load average",
]  # fmt: skip


def _grouped_markdown(grouped: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The in-process A/B of group commit: alternating rounds, with and without."""
    rows = [
        [how, k + 1, st["clients"], st["n"], f"{st['rps']:,.0f}", f"{st['p50_ms']:.2f}",
         f"{st['p99_ms']:.2f}", f"{st['rows_per_statement']:.2f}", f"{st['load_average']:.2f}"]
        for how in ("grouped", "alone")
        for k, st in enumerate(grouped[how])
    ]  # fmt: skip
    mean = {h: sum(st["rps"] for st in grouped[h]) / len(grouped[h]) for h in grouped}
    return [
        "### Group commit: concurrent orders written together, or each alone",
        "",
        "In this process, threads recording orders through `Shop.record_order`, rounds "
        "alternating between group commit (`teamgraph.graph.group`) and one `order.create` per "
        "order.",
        "",
        common.md_table(HEADER_GROUPED, rows),
        "",
        f"- Group commit: **{mean['grouped']:,.0f} orders/s** against {mean['alone']:,.0f} "
        f"written alone (× {mean['grouped'] / mean['alone']:.2f}).",
    ]


HEADER_LIMIT = [
    "statement", "orders per statement", "statements", "p50 ms", "p99 ms", "orders/s",
    "load average",
]  # fmt: skip


HEADER_LIMIT = [
    "statement", "orders per statement", "statements", "p50 ms", "p99 ms", "orders/s",
    "load average",
]  # fmt: skip


def _limit_markdown(limit: dict[str, dict[str, Any]]) -> list[str]:
    """``order.create`` beside the engine's own limit for the same nodes."""
    rows = []
    for key, st in limit.items():
        name, size = key.split("/")
        rows.append(
            [f"`{name}`", size, st["n"], f"{st['p50_ms']:.2f}", f"{st['p99_ms']:.2f}",
             f"{st['orders_per_s']:,.0f}", f"{st['load_average']:.2f}"]
        )  # fmt: skip
    one, minimal = limit["order.create/1"], limit["benchmark.minimal_order/1"]
    grouped = limit[f"order.create/{LIMIT_GROUP}"]
    return [
        "### The write beside the engine's own limit",
        "",
        "Copies of the recorded orders' rows written again, one statement at a time: "
        "`order.create`, and `benchmark.minimal_order`, which writes the same nodes and "
        "relationships without the locks, checks and counters.",
        "",
        common.md_table(HEADER_LIMIT, rows),
        "",
        f"- One order: `order.create` p50 {one['p50_ms']:.2f} ms against "
        f"{minimal['p50_ms']:.2f} ms for the bare nodes (× {one['p50_ms'] / minimal['p50_ms']:.2f})"
        f"; {LIMIT_GROUP} per statement, {grouped['orders_per_s']:,.0f} orders/s against "
        f"{one['orders_per_s']:,.0f} one at a time.",
    ]


def _row(name: str, where: str, clients: int, st: dict[str, Any]) -> list[Any]:
    return [
        CALL_TEXT[name],
        where,
        clients,
        st["n"],
        st["rps"],
        st["p50_ms"],
        st["p90_ms"],
        st["p99_ms"],
        st["max_ms"],
        st["errors"],
    ]


def _persistence_text(p: dict[str, Any]) -> str:
    before, after = p.get("before"), p.get("after")
    if not before or not after:
        return ""
    rewrites = after.get("aof_rewrites", 0) - before.get("aof_rewrites", 0)
    forks = after.get("total_forks", 0) - before.get("total_forks", 0)
    aof_mib = after.get("aof_current_size", 0) / 2**20
    memory_mib = after.get("used_memory", 0) / 2**20
    return (
        f" Meanwhile the engine ran {rewrites:,} AOF rewrite{'' if rewrites == 1 else 's'} "
        f"({forks:,} fork{'' if forks == 1 else 's'}); AOF {aof_mib:,.0f} MiB and "
        f"{memory_mib:,.0f} MiB of memory at the end."
    )


def _shapes(st: dict[str, Any]) -> str:
    return ", ".join(f"{shape} ×{n:,}" for shape, n in st["shapes"].items())


def markdown(result: dict[str, Any]) -> str:
    p, s, m = result["params"], result["shop"], result["machine"]
    http, local = result["http"], result["in_process"]
    calls = http["calls"]
    program = result["program"]
    level2 = program["levels"][1]
    lines = [
        "## Paid orders: `POST /v1/orders`, completions and refunds",
        "",
        f"Run {result['date']}: `uv run python -m benchmarks --only orders --customers "
        f"{p['customers']} --distributors {p['distributors']} --orders {p['orders']} "
        f"--clients {p['clients']} --seed {p['seed']}`, "
        f"{common.duration_text(result['total_seconds'])} in all.",
        "",
        f"- Machine: {common.describe_machine(m)}",
        f"- Engine: {common.describe_engine(result['engine'])}",
        f"- Shop: {s['customers']:,} customers ({s['unbound']:,} bound to nobody), "
        f"{s['distributors']:,} distributors, {s['invitations']:,} invitations, "
        f"{s['bindings']:,} bindings (the `team_views` build plus {p['unbound']:,} walk-in "
        f"customers, its times moved to end a day ago as orders are paid now); "
        f"{result['products']['count']:,} products, "
        f"{result['products']['own_rate']:,} with their own reward rate",
        f"- Program: {program['tiers']} tiers, {len(program['levels'])} levels (level 2 at "
        + " or ".join(f"{k} {v:,}" for k, v in level2["conditions"].items())
        + "), so recording an attributed order checks its distributor's level (R-4.3)",
        f"- Orders: {p['orders']:,} per phase after {p['warmup']:,} warm-up ones, random "
        f"customers (about {UNBOUND_SHARE:.0%} bound to nobody), 1–3 lines, `paid_at` omitted; "
        "in-process first, then HTTP (one client, then "
        f"{p['clients']} clients on fresh orders); then {p['completions']:,} of them completed "
        f"and {p['refunds']:,} of those refunded in part, both ways",
        "",
        *common.build_markdown(result["build"], result["statements"]),
        f"Then: {p['unbound']:,} walk-in customers, {result['products']['count']:,} "
        f"`upsert_product` calls (p50 {result['products']['upsert']['p50_ms']:.2f} ms, "
        f"p99 {result['products']['upsert']['p99_ms']:.2f} ms).",
        "",
        "### Orders per second and latency (ms)",
        "",
        f"Load average (1 min) of the machine: {result['load_average']['before']:.2f} before "
        f"measuring, {result['load_average']['after']:.2f} after ({m['nproc']} CPUs)."
        + _persistence_text(result.get("persistence", {})),
        "",
    ]
    rows = []
    if "record" in calls:
        rows.append(_row("record", "HTTP", 1, calls["record"]))
    if "record_concurrent" in calls:
        rows.append(
            _row("record_concurrent", "HTTP", calls["record_concurrent"]["clients"],
                 calls["record_concurrent"])
        )  # fmt: skip
    if "record" in local:
        rows.append(_row("record", "in-process", 1, local["record"]))
    for name in ("complete", "refund"):
        if name in calls:
            rows.append(_row(name, "HTTP", 1, calls[name]))
        if name in local:
            rows.append(_row(name, "in-process", 1, local[name]))
    lines += [
        common.md_table(
            ["call", "where", "clients", "n", "per s", "p50", "p90", "p99", "max", "errors"], rows
        ),
        "",
    ]
    if "record" in calls and "record" in local:
        h, i = calls["record"]["p50_ms"], local["record"]["p50_ms"]
        lines.append(
            f"- Sustained, one client: **{calls['record']['rps']:,.0f} orders/s** over HTTP "
            f"(p50 {h:.2f} ms, p99 {calls['record']['p99_ms']:.2f} ms); in-process "
            f"{local['record']['rps']:,.0f} orders/s: HTTP p50 = store {i:.2f} ms + "
            f"{h - i:.2f} ms of HTTP and the route's extra reads (× {h / i:.2f})."
        )
    if "record_concurrent" in calls:
        c = calls["record_concurrent"]
        lines.append(
            f"- {c['clients']} concurrent clients: **{c['rps']:,.0f} orders/s** in aggregate "
            f"(p50 {c['p50_ms']:.2f} ms, p99 {c['p99_ms']:.2f} ms)"
            + (
                f", × {c['rps'] / calls['record']['rps']:.2f} the single client's"
                if "record" in calls
                else ""
            )
            + "."
        )
    grouped = result.get("grouped")
    if grouped:
        lines += ["", *_grouped_markdown(grouped), ""]
    if result.get("limit"):
        lines += ["", *_limit_markdown(result["limit"]), ""]
    orders = (calls.get("record") or local.get("record") or {}).get("orders", {})
    if orders.get("orders"):
        lines.append(
            f"- The orders: {orders['attributed'] / orders['orders']:.0%} attributed, "
            f"{orders['rewards_mean']:.2f} reward entries each on average (at most "
            f"{orders['rewards_max']})."
        )
    lines += [
        "",
        "### Statements per call",
        "",
        "Counted by a proxy around the shop's store, in this process: `Shop` methods, and the "
        "whole `POST /v1/orders` route (the app run in-process over ASGI, key check and "
        "rendering included). Per statement: calls per operation (p50/p99 ms of one call).",
        "",
    ]
    stmt_rows = []
    for label, st in [
        (f"{name} (`Shop.{METHOD[name]}`)", local.get(name, {}).get("statements"))
        for name in ("record", "complete", "refund")
    ] + [("record, whole route", result.get("route", {}).get("statements"))]:
        if not st:
            continue
        stmt_rows.append(
            [
                label,
                st["calls"],
                st["reads_mean"],
                st["writes_mean"],
                _shapes(st),
                ", ".join(
                    f"`{b['name']}` ×{b['per_call']:.2f} ({b['p50_ms']:.2f}/{b['p99_ms']:.2f})"
                    for b in st["by_name"]
                ),
            ]
        )
    lines += [
        common.md_table(
            ["operation", "n", "reads", "writes", "calls by shape", "statements"], stmt_rows
        ),
        "",
    ]
    graph_rows = [
        [CALL_TEXT[name], st.get("clients", 1), st["graph"]["reads"], st["graph"]["writes"]]
        for name, st in calls.items()
        if st.get("graph")
    ]
    if graph_rows:
        lines += [
            "Over HTTP, counted on the engine (`INFO commandstats` of the FalkorDB server, per "
            "call):",
            "",
            common.md_table(
                ["call", "clients", "reads (GRAPH.RO_QUERY)", "writes (GRAPH.QUERY)"], graph_rows
            ),
            "",
        ]
    lines += claim(result)
    c = result.get("check")
    if c:
        e = c["expected"]
        lines += [
            "",
            f"Check ({'passed' if c['ok'] else '**failed**'}): "
            + ", ".join(
                f"{k} {c['found'][k]:,}" + ("" if c["found"][k] == v else f" (expected {v:,})")
                for k, v in e.items()
            )
            + " — the graph's orders and the sums of the distributors' counters, against the "
            f"{e['orders']:,} orders recorded (warm-ups included), the completed and the "
            f"refunded ones; {c['level_2']:,} distributors reached level 2.",
        ]
    if result["notes"]:
        lines += ["", "### Notes", ""] + [f"- {n}" for n in result["notes"]]
    return "\n".join(lines) + "\n"


def claim(result: dict[str, Any]) -> list[str]:
    """The issue's claim (one context read, one write) against what was counted."""
    st = result["in_process"].get("record", {}).get("statements")
    if not st:
        return []
    by = {(b["kind"], b["name"]): b for b in st["by_name"]}
    core = [by[k] for k in (("read", "order.context"), ("write", "order.create")) if k in by]
    core_ms = sum(b["ms_per_call"] for b in core)
    total_ms = sum(b["ms_per_call"] for b in st["by_name"])
    stats = result["in_process"]["record"]

    def listed(summary: dict[str, Any]) -> str:
        return ", ".join(
            f"`{b['name']}` ×{b['per_call']:.2f}"
            + (f" ({ROLE[b['name']]})" if b["name"] in ROLE else "")
            for b in summary["by_name"]
        )

    out = [
        'Claim: "recording a paid order is one read of its context and one write statement".',
        "",
        "- "
        + " and ".join(f"`{b['name']}` ×{b['per_call']:.2f}" for b in core)
        + f" per order: true of the statements that decide and write the order, {core_ms:.2f} ms "
        f"of the {total_ms:.2f} ms an in-process order spends in statements (p50 "
        f"{stats['p50_ms']:.2f} ms in all).",
        f"- `Shop.record_order` runs {st['reads_mean']:.2f} reads + {st['writes_mean']:.2f} "
        f"writes on average ({st['statements_min']}–{st['statements_max']} statements): "
        + listed(st)
        + ".",
    ]
    route = result.get("route", {}).get("statements")
    if route:
        out.append(
            f"- The `POST /v1/orders` route runs {route['reads_mean']:.2f} reads + "
            f"{route['writes_mean']:.2f} writes: " + listed(route) + "."
        )
    http = result["http"]["calls"].get("record", {}).get("graph")
    if http:
        out.append(
            f"- The API server, over HTTP: {http['reads']:.2f} reads + {http['writes']:.2f} "
            "writes per order on the engine."
        )
    return out
