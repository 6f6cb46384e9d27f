"""Hand-made fraud rings and honest look-alikes for issue 18, written without the generator's
ring kinds: the evaluation the detector was not written against.

:func:`plant` takes an honest generator shop (``generator.generate(..., rings=0)``, as
:func:`generator.frames` gives it: times as epoch ms) and returns the ADDITIONAL rows of every
import kind (``customers``, ``distributors``, ``invitations``, ``bindings``, ``orders``,
``refunds``, ``signals``; ``products`` are the shop's own) plus ``labels`` (``ring_id, kind,
customer_id, role``). Every id is its own (``hm-c…``, ``hm-o…``, ``hm-r…``), every time inside
the shop's year before :data:`generator.END_MS`, in the order join < bind < pay < complete <
settle (completion + the shop's ``settle_days``) < refund. Same shop, same seed: same rows.

Rings (``kind``, roles):

- ``carousel`` — four distributors A1..A4 (``distributor``, invited by two honest
  distributors, no binding among them) and one ``alt`` account each: A1's alt is bound to and
  buys through A2, A2's through A3, A3's through A4, A4's through A1 (orders completed and
  settled). Shared: A1/A1-alt one phone written ``17300000001`` / ``+86 17300000001``, A3/A3-alt
  one written plain / ``173-0000-0003``-style, and one address among A2, A2-alt, A4, A4-alt.
  Nothing else.
- ``ip_burst`` — 15 new ``account``s joining and bound to one ``distributor`` within 10
  minutes, each on its own device, all on one fresh IP; a third buy something cheap. The
  distributor has a few ordinary earlier clients (not labelled).
- ``slow_burst`` — 15 ``account``s on ONE device (their own IPs) joining and bound to one
  ``distributor`` over 2 days; a third buy. Ordinary earlier clients as above.
- ``long_cycle`` — seven distributors (``member``), each bound to the next, the last to the
  first, who buy (each one's orders pay the next).
- ``late_refund_farm`` — a ``distributor`` whose five ``buyer``s (one shared address) place
  large orders and refund them in full 3.5–5 days after the rewards settled. It has ordinary
  clients too (not labelled).
- ``count_threshold`` — the shop's level 2 needs 30 bound customers
  (``generator.SETTINGS``: the conditions are counts): a ``distributor`` with 26 ordinary
  clients over the year gets five ``pump`` accounts on one device in three hours, bound to it,
  and lands on 31 (just over). The pumps never buy.

Honest look-alikes (``honest_*``; none of them fraud, at most one member may be flagged):

- ``honest_family`` — a mother who is a distributor (``parent``) and two children (``child``)
  bound to her and buying through her, on one family tablet, one home IP and one address; the
  mother has 12 ordinary ``client``s with orders.
- ``honest_office`` — a colleague distributor (``distributor``) and six ``coworker``s on the
  office IP and address (own devices and phones), who joined in a lunchtime group-buy and buy
  once or twice through her; she has 10 ordinary ``client``s.
- ``honest_campus`` — 40 ``student``s on one campus NAT IP (own devices), joining over six
  weeks, bound to four different honest distributors of the shop, ordinary orders.
- ``honest_livestream`` — one ``distributor`` with 150 ``client``s joining in five waves (about
  30 within an hour after each broadcast), own devices and IPs, ordinary buyers.

Ordinary clients of a ring's distributor (ip_burst, slow_burst, late_refund_farm,
count_threshold) are not labelled: a flagged ring that takes them in loses precision.

The evaluation: :func:`handmade_report` (per shape: found, member recall and precision; per
honest group: members flagged), :func:`outside` (flagged rings touching no labelled account),
:func:`format_report` prints them; :func:`money` the commission at stake in each group (the
truth from the ledger beside what the ring shows).

Command line, for iterating on the detector without reloading the data each time (embedded
FalkorDB on the data directory given)::

    python -m tests.fraud.handmade build /tmp/hm       # generate + plant + load (once)
    python -m tests.fraud.handmade scan /tmp/hm        # re-run shop.scan(), print the report
    python -m tests.fraud.handmade scan /tmp/hm -v     # ... the rings touching each group and
                                                       # each group's money at stake (truth)

(``python -m tests.fraud.handmade_run`` is the same command.) One process at a time on a data
directory: the command starts its embedded engine and stops it when done.

``build`` takes ``--customers`` (2,500), ``--distributors``, ``--orders``, ``--seed`` (the
honest shop's), ``--plant-seed`` (the planted rows': the same shapes, other details — a
held-out family), writes the files and ``labels.csv`` under ``DIR/files`` and the shop as
``handmade`` (``--shop``); ``build --force`` drops and rebuilds it. ``scan`` runs the detector
in this process (so edited teamgraph/fraud code is picked up) with the data's "now",
``generator.END_MS`` (``--now`` another), ``--flag-score`` another flag line, ``--param
NAME=INT`` a detector knob for this scan (a ``teamgraph.fraud.detect.Params`` field, e.g.
``--param cycle_bound=8``), ``--curve`` the figures at every flag line from 20 to 100, and
``--json`` prints the report as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from teamgraph.etl import generator as gen
from teamgraph.etl.generator import DAY, END_MS, HOUR, MINUTE, SECOND

SEED = 18
SETTLE = int(gen.SETTINGS["settle_days"]) * DAY
RING_KINDS = (
    "carousel",
    "ip_burst",
    "slow_burst",
    "long_cycle",
    "late_refund_farm",
    "count_threshold",
)
HONEST_KINDS = ("honest_family", "honest_office", "honest_campus", "honest_livestream")
PLANTED_KINDS = ("customers", "distributors", "invitations", "bindings", "orders", "refunds")
PLANTED_KINDS += ("signals", "labels")


def _sec(t: float) -> int:
    return int(t) // SECOND * SECOND


def count_conditions(settings: Mapping[str, Any]) -> dict[str, int]:
    """The lowest count a level condition of ``settings`` asks for, by condition (e.g.
    ``bound_customers: 30``); money conditions (``*_fen``) are left out."""
    out: dict[str, int] = {}
    for level in settings.get("levels", []):
        for name, value in (level.get("conditions") or {}).items():
            if not name.endswith("_fen") and isinstance(value, int):
                out[name] = min(out.get(name, value), value)
    return out


@dataclass
class _Rows:
    """Row-wise accumulators, one list per import kind."""

    kinds: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {k: [] for k in PLANTED_KINDS}
    )

    def add(self, table: str, **row: Any) -> None:
        self.kinds[table].append(row)


class _Planter:
    def __init__(self, frames: Mapping[str, pd.DataFrame], seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.rows = _Rows()
        self.n_customers = 0
        self.n_orders = 0
        self.n_refunds = 0
        self.n_values = 0
        self.joined: dict[str, int] = {}
        products = frames["products"].sort_values("id")
        self.products = products["id"].astype(str).tolist()
        self.price = dict(zip(self.products, products["price_fen"].astype(int), strict=True))
        self.cost = dict(
            zip(self.products, products["cost_fen"].fillna(0).astype(int), strict=True)
        )
        pop = 1.0 / np.arange(1, len(self.products) + 1) ** 0.9
        self.popularity = pop / pop.sum()
        by_price = sorted(self.products, key=lambda p: -self.price[p])
        self.expensive = by_price[: max(3, len(by_price) // 10)]
        self.cheap = by_price[-max(3, len(by_price) // 5) :]
        d = frames["distributors"]
        d = d[d["status"] == "active"]
        open_b = frames["bindings"]
        open_b = open_b[open_b["ended_at"].isna()]
        clients = open_b.groupby("distributor_id").size()
        self.honest = pd.DataFrame(
            {
                "id": d["id"].astype(str).to_numpy(),
                "became": d["became_at"].astype("int64").to_numpy(),
                "clients": clients.reindex(d["id"]).fillna(0).astype(int).to_numpy(),
            }
        ).sort_values("id", ignore_index=True)
        self.used_honest: set[str] = set()
        phones = set(frames["customers"]["phone"].dropna().astype(str))
        phones |= set(frames["signals"].query("kind == 'phone'")["value"].astype(str))
        self.taken_phones = {p[-11:] for p in phones}
        self.shared_public = [f"117.136.0.{i}" for i in range(1, 11)]  # the shop's carrier NAT
        self.settle = SETTLE

    # -- one row each ------------------------------------------------------------------------
    def _value(self) -> int:
        self.n_values += 1
        return self.n_values

    def phone(self) -> str:
        while True:
            number = f"173{int(self.rng.integers(10**8)):08d}"
            if number not in self.taken_phones and not number.startswith("1730000"):
                self.taken_phones.add(number)
                return number

    def name(self) -> str:
        s = gen._SURNAMES[int(self.rng.integers(len(gen._SURNAMES)))]
        g = gen._GIVEN
        given = g[int(self.rng.integers(len(g)))]
        if self.rng.random() < 0.55:
            given += g[int(self.rng.integers(len(g)))]
        return s + given

    def address(self) -> str:
        city = gen._CITIES[int(self.rng.integers(len(gen._CITIES)))]
        road = gen._ROADS[int(self.rng.integers(len(gen._ROADS)))]
        return (
            f"{city}{road}{int(self.rng.integers(1, 999))}号"
            f"{int(self.rng.integers(1, 31))}栋{int(self.rng.integers(1, 27)) * 100 + 1}室"
        )

    def device(self) -> str:
        return f"dev-{int(self.rng.integers(16**12)):012x}"

    def own_ip(self) -> str:
        a = [36, 58, 101, 112, 113, 114, 117, 121, 180, 183, 218, 223]
        return (
            f"{a[int(self.rng.integers(len(a)))]}.{int(self.rng.integers(256))}."
            f"{int(self.rng.integers(256))}.{int(self.rng.integers(1, 255))}"
        )

    def account(self) -> str:
        if self.rng.random() < 0.4:
            return f"alipay:2088{int(self.rng.integers(16**12)):012x}"
        return f"wx:o{int(self.rng.integers(16**12)):012x}"

    def signal(self, c: str, kind: str, value: str, first: int) -> None:
        first = _sec(max(first, self.joined[c]))
        last = first + _sec(self.rng.random() * max(END_MS - SECOND - first, 0))
        self.rows.add(
            "signals", customer_id=c, kind=kind, value=value, first_seen=first, last_seen=last
        )

    def customer(
        self,
        joined: int,
        *,
        via: str | None = None,
        phone: str | bool | None = True,
        signals: Iterable[str] = ("device", "ip", "phone", "account"),
        written: str | None = None,
    ) -> str:
        """A new customer with ordinary signals of its own (``signals``: which of device, ip,
        phone, account, public ip; ``phone``: True a new number, a string that number, None
        none; ``written``: the phone as written in the file)."""
        self.n_customers += 1
        c = f"hm-c{self.n_customers:04d}"
        joined = _sec(joined)
        self.joined[c] = joined
        number = self.phone() if phone is True else (phone or None)
        cell = written or number
        self.rows.add(
            "customers",
            id=c,
            name=self.name(),
            phone=cell,
            phone_verified=bool(number) and self.rng.random() < 0.7,
            joined_at=joined,
            via_distributor_id=via,
            groups=gen.GROUPS[int(self.rng.choice(5, p=[0.8, 0.08, 0.07, 0.04, 0.01]))],
        )
        within = lambda: joined + _sec(self.rng.random() * 2 * HOUR)  # noqa: E731
        for kind in signals:
            if kind == "device":
                self.signal(c, "device", self.device(), within())
                if self.rng.random() < 0.15:  # a second device of its own, as 15% have
                    self.signal(c, "device", self.device(), within())
            elif kind == "ip":
                self.signal(c, "ip", self.own_ip(), within())
            elif kind == "public_ip" and self.rng.random() < 0.35:
                pub = self.shared_public[int(self.rng.integers(len(self.shared_public)))]
                self.signal(c, "ip", pub, within())
            elif kind == "phone" and cell:
                self.signal(c, "phone", cell, within())
            elif kind == "account" and self.rng.random() < 0.5:
                self.signal(c, "account", self.account(), within())
        return c

    def distributor(self, c: str, became: int, *, inviter: str | None, level: int = 1) -> None:
        became = _sec(became)
        row = next(r for r in self.rows.kinds["customers"] if r["id"] == c)
        self.rows.add(
            "distributors",
            id=c,
            status="active",
            level=level,
            became_at=became,
            name=row["name"],
            joined_at=row["joined_at"],
        )
        if inviter is not None:
            self.rows.add("invitations", id=c, inviter_id=inviter, at=became)

    def bind(
        self,
        c: str,
        d: str,
        since: int,
        *,
        ended: int | None = None,
        reason: str | None = None,
        channel: str | None = None,
    ) -> None:
        if channel is None:
            channel = str(self.rng.choice(gen.CHANNELS, p=gen.CHANNEL_MIX))
        self.rows.add(
            "bindings",
            customer_id=c,
            distributor_id=d,
            since=_sec(since),
            expires_at=None,
            ended_at=None if ended is None else _sec(ended),
            end_reason=reason,
            source="visit",
            channel=channel,
        )

    def order(
        self,
        c: str,
        paid: int,
        lines: Sequence[tuple[str, int]],
        *,
        completed: int | bool | None = True,
    ) -> str:
        """An order (``lines``: product, qty), completed 2–6 days later unless ``completed``
        says (False: never; an int: then)."""
        self.n_orders += 1
        o = f"hm-o{self.n_orders:05d}"
        paid = _sec(paid)
        if completed is True:
            done: int | None = paid + _sec(self.rng.uniform(2, 6) * DAY)
        elif completed is False or completed is None:
            done = None
        else:
            done = _sec(completed)
        if done is not None and done >= END_MS:
            done = None
        for product, qty in lines:
            amount = self.price[product] * qty
            self.rows.add(
                "orders",
                id=o,
                customer_id=c,
                paid_at=paid,
                product_id=product,
                paid_fen=amount,
                qty=qty,
                split_fen=amount,
                cost_fen=self.cost[product] * qty,
                completed_at=done,
            )
        return o

    def refund(self, o: str, at: int) -> None:
        """Every line of order ``o`` refunded in full at ``at``."""
        for line in [r for r in self.rows.kinds["orders"] if r["id"] == o]:
            self.n_refunds += 1
            self.rows.add(
                "refunds",
                id=f"hm-r{self.n_refunds:04d}",
                order_id=o,
                amount_fen=line["paid_fen"],
                at=_sec(at),
                product_id=line["product_id"],
            )

    def label(self, ring: str, kind: str, c: str, role: str) -> None:
        self.rows.add("labels", ring_id=ring, kind=kind, customer_id=c, role=role)

    # -- helpers -----------------------------------------------------------------------------
    def basket(self, *, cheap: bool = False) -> list[tuple[str, int]]:
        if cheap:
            return [(str(self.rng.choice(self.cheap)), 1)]
        k = int(self.rng.choice([1, 1, 1, 2, 2, 3]))
        picks = self.rng.choice(len(self.products), size=k, replace=False, p=self.popularity)
        return [(self.products[int(p)], int(self.rng.choice([1, 1, 1, 1, 2, 3]))) for p in picks]

    def ordinary_buyer(self, c: str, since: int, *, orders: int, until: int = END_MS) -> None:
        """``orders`` ordinary orders of ``c`` between ``since`` and ``until``, the buyer's
        own address on them."""
        if orders:
            self.signal(c, "address", self.address(), since)
        for _ in range(orders):
            lo = since + HOUR
            paid = lo + self.rng.random() * max(until - 2 * HOUR - lo, HOUR)
            self.order(c, int(paid), self.basket())

    def clients(
        self, d: str, n: int, start: int, end: int, *, channel: str | None = None
    ) -> list[str]:
        """``n`` ordinary clients of ``d`` joining between ``start`` and ``end`` through it,
        bound at join, most of them buying."""
        out = []
        for t in np.sort(self.rng.uniform(start, end, n)):
            c = self.customer(int(t), via=d, signals=("device", "ip", "public_ip", "phone"))
            self.bind(c, d, self.joined[c] + int(self.rng.integers(5, 120)) * SECOND,
                      channel=channel)  # fmt: skip
            buys = int(self.rng.choice([0, 1, 1, 2, 3, 4]))
            self.ordinary_buyer(c, self.joined[c] + MINUTE, orders=buys)
            out.append(c)
        return out

    def honest_distributor(self, before: int, *, avoid_counts: bool = False) -> str:
        """An active honest distributor of the shop that became one before ``before`` (not
        used yet); ``avoid_counts``: one whose client count stays clear of the level counts
        after ten more."""
        early = self.honest[self.honest["became"] < before]
        pool = early[~early["id"].isin(self.used_honest)]
        if pool.empty:  # a young shop: few distributors yet
            pool = early
        if avoid_counts:
            clear = pool["clients"] + 10
            pool = pool[(clear < 25) | ((clear > 36) & (clear < 290))]
        pick = str(pool["id"].iloc[int(self.rng.integers(len(pool)))])
        self.used_honest.add(pick)
        return pick

    def new_distributor(
        self, joined: int, became: int, *, invited: bool = True, level: int = 1, **kw: Any
    ) -> str:
        """A customer who joined through an honest distributor (bound to it, its inviter) and
        became a distributor itself at ``became``; ``invited=False``: a root."""
        inviter = self.honest_distributor(joined) if invited else None
        c = self.customer(joined, via=inviter, **kw)
        if inviter is not None:
            self.bind(c, inviter, self.joined[c] + MINUTE)
        self.distributor(c, became, inviter=inviter, level=level)
        return c

    # -- rings -------------------------------------------------------------------------------
    def carousel(self) -> None:
        ring, kind = "hm-carousel", "carousel"
        e = END_MS
        first, second = self.honest_distributor(e - 220 * DAY), self.honest_distributor(
            e - 220 * DAY)  # fmt: skip
        phones = {1: "17300000001", 3: "17300000003"}
        written = {1: ("17300000001", "+86 17300000001"), 3: ("17300000003", "173-0000-0003")}
        shared_address = self.address()
        a: dict[int, str] = {}
        for i in range(1, 5):
            joined = e - (210 - 4 * i) * DAY + int(self.rng.integers(8, 22)) * HOUR
            inviter = first if i <= 2 else second
            c = self.customer(
                joined,
                via=inviter,
                phone=phones.get(i, True),
                written=written[i][0] if i in written else None,
                signals=("device", "ip", "phone"),
            )
            self.bind(c, inviter, joined + 2 * MINUTE)
            self.distributor(c, joined + int(self.rng.integers(3, 10)) * DAY, inviter=inviter)
            a[i] = c
            self.label(ring, kind, c, "distributor")
        alts: dict[int, str] = {}
        for i in range(1, 5):
            nxt = a[i % 4 + 1]
            joined = e - (170 - 3 * i) * DAY + int(self.rng.integers(9, 23)) * HOUR
            c = self.customer(
                joined,
                via=nxt,
                phone=phones.get(i, True),
                written=written[i][1] if i in written else None,
                signals=("device", "ip", "phone"),
            )
            self.bind(c, nxt, joined + int(self.rng.integers(10, 90)) * SECOND)
            alts[i] = c
            self.label(ring, kind, c, "alt")
            if i not in (2, 4):
                self.signal(c, "address", self.address(), joined)
            for _ in range(int(self.rng.integers(4, 7))):
                paid = joined + self.rng.uniform(1, 130) * DAY
                lines = [(str(self.rng.choice(self.expensive)), int(self.rng.integers(1, 3)))]
                self.order(c, int(paid), lines)
        for c in (a[2], alts[2], a[4], alts[4]):
            self.signal(c, "address", shared_address, self.joined[c] + HOUR)

    def ip_burst(self) -> None:
        ring, kind = "hm-ip-burst", "ip_burst"
        e = END_MS
        d = self.new_distributor(e - 230 * DAY, e - 205 * DAY)
        self.label(ring, kind, d, "distributor")
        self.clients(d, 4, e - 200 * DAY, e - 60 * DAY)
        ip = "39.144.87.201"  # fresh: nobody in the shop was ever on it
        t0 = e - 45 * DAY + 21 * HOUR + 13 * MINUTE
        for j, off in enumerate(np.sort(self.rng.choice(600, 15, replace=False))):
            joined = t0 + int(off) * SECOND
            c = self.customer(joined, via=d, signals=("device", "phone"))
            self.signal(c, "ip", ip, joined)
            since = joined + int(self.rng.integers(5, 30)) * SECOND
            self.bind(c, d, since, channel="link")
            self.label(ring, kind, c, "account")
            if j % 3 == 0:
                self.signal(c, "address", self.address(), since)
                self.order(c, since + int(self.rng.uniform(1, 72) * HOUR), self.basket(cheap=True))

    def slow_burst(self) -> None:
        ring, kind = "hm-slow-burst", "slow_burst"
        e = END_MS
        d = self.new_distributor(e - 260 * DAY, e - 238 * DAY)
        self.label(ring, kind, d, "distributor")
        self.clients(d, 4, e - 230 * DAY, e - 90 * DAY)
        device = self.device()
        t0 = e - 80 * DAY + 9 * HOUR
        for j, off in enumerate(np.sort(self.rng.uniform(0, 48 * HOUR, 15))):
            joined = t0 + int(off)
            c = self.customer(joined, via=d, signals=("ip", "phone"))
            self.signal(c, "device", device, joined)
            since = joined + int(self.rng.integers(5, 60)) * SECOND
            self.bind(c, d, since)
            self.label(ring, kind, c, "account")
            if j % 3 == 1:
                self.signal(c, "address", self.address(), since)
                self.order(c, since + int(self.rng.uniform(2, 96) * HOUR), self.basket(cheap=True))

    def long_cycle(self) -> None:
        ring, kind = "hm-cycle-7", "long_cycle"
        e = END_MS
        members = []
        for j in range(7):
            joined = e - (300 - 7 * j) * DAY + int(self.rng.integers(8, 22)) * HOUR
            became = joined + int(self.rng.integers(8, 25)) * DAY
            if j in (2, 5):  # invited by an honest distributor, bound to it until the loop
                members.append(self.new_distributor(joined, became))
            else:
                c = self.customer(joined)
                self.distributor(c, became, inviter=None)
                members.append(c)
            self.label(ring, kind, members[-1], "member")
        t_loop = e - 130 * DAY + 20 * HOUR
        for j, c in enumerate(members):
            nxt = members[(j + 1) % 7]
            ended = t_loop + j * 7 * MINUTE
            if j in (2, 5):
                open_row = next(
                    r
                    for r in self.rows.kinds["bindings"]
                    if r["customer_id"] == c and r["ended_at"] is None
                )
                open_row.update(ended_at=_sec(ended), end_reason="merchant_unbind")
            since = ended + int(self.rng.integers(1, 50)) * MINUTE
            self.bind(c, nxt, since)
            self.signal(c, "address", self.address(), since)
            for _ in range(int(self.rng.integers(2, 5))):
                paid = since + self.rng.uniform(0.2, 110) * DAY
                self.order(c, int(paid), self.basket())

    def late_refund_farm(self) -> None:
        ring, kind = "hm-late-refund", "late_refund_farm"
        e = END_MS
        d = self.new_distributor(e - 290 * DAY, e - 262 * DAY)
        self.label(ring, kind, d, "distributor")
        self.clients(d, 3, e - 250 * DAY, e - 40 * DAY)
        address = self.address()
        for _ in range(5):
            joined = e - self.rng.uniform(120, 150) * DAY
            c = self.customer(int(joined), via=d)
            self.bind(c, d, self.joined[c] + int(self.rng.integers(10, 100)) * SECOND)
            self.signal(c, "address", address, self.joined[c] + HOUR)
            self.label(ring, kind, c, "buyer")
            for _ in range(int(self.rng.integers(2, 4))):
                paid = int(self.joined[c] + self.rng.uniform(1, 85) * DAY)
                completed = paid + _sec(self.rng.uniform(2, 4) * DAY)
                settled = completed + self.settle
                at = settled + _sec(self.rng.uniform(3.5, 5) * DAY)
                lines = [(str(self.rng.choice(self.expensive)), int(self.rng.integers(2, 5)))]
                self.refund(self.order(c, paid, lines, completed=completed), at)

    def count_threshold(self) -> None:
        ring, kind = "hm-threshold", "count_threshold"
        need = count_conditions(gen.SETTINGS)["bound_customers"]
        e = END_MS
        d = self.new_distributor(e - 300 * DAY, e - 290 * DAY, level=2)
        self.label(ring, kind, d, "distributor")
        pumps = 5
        self.clients(d, need - pumps + 1, e - 288 * DAY, e - 40 * DAY)  # 26, then 31
        device = self.device()
        t0 = e - 30 * DAY + 22 * HOUR
        for off in np.sort(self.rng.uniform(0, 3 * HOUR, pumps)):
            c = self.customer(t0 + int(off), via=d, signals=("ip", "phone"))
            self.signal(c, "device", device, self.joined[c])
            self.bind(c, d, self.joined[c] + int(self.rng.integers(5, 40)) * SECOND)
            self.label(ring, kind, c, "pump")

    # -- honest look-alikes --------------------------------------------------------------------
    def family(self) -> None:
        group, kind = "hm-family", "honest_family"
        e = END_MS
        mother = self.new_distributor(e - 310 * DAY, e - 300 * DAY)
        self.label(group, kind, mother, "parent")
        tablet, home_ip, home = self.device(), self.own_ip(), self.address()
        self.signal(mother, "device", tablet, e - 299 * DAY)
        self.signal(mother, "ip", home_ip, e - 299 * DAY)
        self.signal(mother, "address", home, e - 299 * DAY)
        for c in self.clients(mother, 12, e - 290 * DAY, e - 20 * DAY, channel="wechat_chat"):
            self.label(group, kind, c, "client")
        for j, joined in enumerate((e - 280 * DAY, e - 200 * DAY)):
            child = self.customer(joined, via=mother, signals=(("device",) if j == 0 else ()))
            self.signal(child, "device", tablet, joined)
            self.signal(child, "ip", home_ip, joined)
            self.signal(child, "address", home, joined)
            self.bind(child, mother, joined + 3 * MINUTE, channel="wechat_chat")
            self.label(group, kind, child, "child")
            for _ in range(int(self.rng.integers(3, 7))):
                paid = joined + self.rng.uniform(1, (e - joined) / DAY - 3) * DAY
                self.order(child, int(paid), self.basket())

    def office(self) -> None:
        group, kind = "hm-office", "honest_office"
        e = END_MS
        colleague = self.new_distributor(e - 250 * DAY, e - 228 * DAY)
        self.label(group, kind, colleague, "distributor")
        office_ip, office = "58.246.17.90", self.address()
        self.signal(colleague, "ip", office_ip, e - 227 * DAY)
        self.signal(colleague, "address", office, e - 227 * DAY)
        for c in self.clients(colleague, 10, e - 225 * DAY, e - 10 * DAY):
            self.label(group, kind, c, "client")
        lunch = e - 60 * DAY + 12 * HOUR + 5 * MINUTE
        for off in np.sort(self.rng.uniform(0, 2 * HOUR, 6)):
            c = self.customer(lunch + int(off), via=colleague)
            self.signal(c, "ip", office_ip, self.joined[c])
            self.signal(c, "address", office, self.joined[c])
            since = self.joined[c] + int(self.rng.integers(10, 120)) * SECOND
            self.bind(c, colleague, since, channel="wechat_group")
            self.label(group, kind, c, "coworker")
            self.order(c, since + int(self.rng.integers(2, 40)) * MINUTE, self.basket())
            if self.rng.random() < 0.5:
                self.order(c, since + int(self.rng.uniform(3, 20) * DAY), self.basket())

    def campus(self) -> None:
        group, kind = "hm-campus", "honest_campus"
        e = END_MS
        nat = "202.120.36.5"
        term = e - 116 * DAY
        distributors = [self.honest_distributor(term, avoid_counts=True) for _ in range(4)]
        for j, t in enumerate(np.sort(self.rng.uniform(term, term + 42 * DAY, 40))):
            d = distributors[j % 4]
            c = self.customer(int(t), via=d, signals=("device", "phone", "ip"))
            self.signal(c, "ip", nat, self.joined[c] + MINUTE)
            self.bind(c, d, self.joined[c] + int(self.rng.integers(5, 300)) * SECOND)
            self.label(group, kind, c, "student")
            buys = int(self.rng.choice([0, 1, 1, 2, 3]))
            if buys:
                dorm = f"上海市闵行区东川路800号{int(self.rng.integers(1, 40))}号宿舍楼"
                self.signal(c, "address", f"{dorm}{int(self.rng.integers(101, 640))}室", t)
            for _ in range(buys):
                paid = t + HOUR + self.rng.uniform(0, (e - t) / DAY - 2) * DAY
                self.order(c, int(paid), self.basket(cheap=self.rng.random() < 0.5))

    def livestream(self) -> None:
        group, kind = "hm-livestream", "honest_livestream"
        e = END_MS
        d = self.new_distributor(e - 345 * DAY, e - 333 * DAY, invited=False, level=2)
        self.label(group, kind, d, "distributor")
        for days, size in ((250, 30), (190, 28), (130, 32), (70, 30), (25, 30)):
            start = e - days * DAY + 20 * HOUR
            for off in np.sort(self.rng.uniform(0, HOUR, size)):
                c = self.customer(
                    start + int(off), via=d, signals=("device", "ip", "public_ip", "phone")
                )
                self.bind(c, d, self.joined[c] + int(self.rng.integers(5, 200)) * SECOND,
                          channel="link")  # fmt: skip
                self.label(group, kind, c, "client")
                buys = 0 if self.rng.random() < 0.15 else int(self.rng.integers(1, 4))
                self.ordinary_buyer(c, self.joined[c] + 5 * MINUTE, orders=buys)

    def run(self) -> dict[str, pd.DataFrame]:
        for step in (
            self.carousel,
            self.ip_burst,
            self.slow_burst,
            self.long_cycle,
            self.late_refund_farm,
            self.count_threshold,
            self.family,
            self.office,
            self.campus,
            self.livestream,
        ):
            step()
        out = {}
        for kind, rows in self.rows.kinds.items():
            columns = gen.SCHEMAS[kind].names
            frame = pd.DataFrame(rows, columns=columns)
            for col in columns:
                if col in gen.TIME_COLUMNS:
                    frame[col] = frame[col].astype("Int64")
            out[kind] = frame
        return out


def plant(frames: Mapping[str, pd.DataFrame], seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The hand-made rows to add to the honest shop ``frames`` (module docstring): a frame
    per import kind (the columns of ``generator.SCHEMAS``, times as Int64 epoch ms) and
    ``labels``."""
    rows = _Planter(frames, seed).run()
    check(frames, rows)
    return rows


def check(frames: Mapping[str, pd.DataFrame], rows: Mapping[str, pd.DataFrame]) -> None:
    """What the planted rows promise: ids of their own, times inside the shop's year and in
    order (join < bind < pay < complete < refund), every labelled customer planted."""
    ids = rows["customers"]["id"]
    assert ids.is_unique and not ids.isin(frames["customers"]["id"]).any()
    assert set(rows["labels"]["customer_id"]) <= set(ids) | set(frames["customers"]["id"])
    for kind, frame in rows.items():
        for col in frame.columns:
            if col in gen.TIME_COLUMNS:
                t = frame[col].dropna()
                assert ((t > gen.START_MS) & (t < END_MS)).all(), (kind, col)
    joined = rows["customers"].set_index("id")["joined_at"]
    b = rows["bindings"]
    assert (b["since"].to_numpy() >= joined.reindex(b["customer_id"]).to_numpy()).all()
    o = rows["orders"]
    assert (o["paid_at"].to_numpy() > joined.reindex(o["customer_id"]).to_numpy()).all()
    done = o.dropna(subset=["completed_at"])
    assert (done["completed_at"] > done["paid_at"]).all()
    paid = o.drop_duplicates("id").set_index("id")["paid_at"]
    assert (rows["refunds"]["at"].to_numpy() > paid.reindex(rows["refunds"]["order_id"])).all()


# -- files -----------------------------------------------------------------------------------
def arrow(kind: str, frame: pd.DataFrame) -> pa.Table:
    """A planted frame as the generator's table of ``kind`` (times as its ISO-8601 text)."""
    schema = gen.SCHEMAS[kind]
    arrays = []
    for f in schema:
        col = frame[f.name]
        if f.name in gen.TIME_COLUMNS:
            valid = col.notna().to_numpy()
            ms = col.fillna(0).astype("int64").to_numpy()
            arrays.append(gen.iso8601(ms, valid))
        elif pa.types.is_int64(f.type):
            arrays.append(pa.array(col.astype("Int64"), type=pa.int64(), from_pandas=True))
        else:
            arrays.append(pa.array(col.astype(object), type=f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def combined(shop: gen.SyntheticShop, rows: Mapping[str, pd.DataFrame]) -> gen.SyntheticShop:
    """The honest shop with the planted rows appended to each kind's table (one file per
    kind, as a shop exports it); ``labels`` are the planted ones."""
    tables = {}
    for kind, table in shop.tables.items():
        if kind == "labels":
            tables[kind] = arrow(kind, rows["labels"])
        elif kind in rows and len(rows[kind]):
            tables[kind] = pa.concat_tables([table, arrow(kind, rows[kind])])
        else:
            tables[kind] = table
    return gen.SyntheticShop(tables, shop.seed, dict(shop.timings), shop.end)


def build_files(
    out: Path,
    *,
    customers: int = 2500,
    distributors: int = 250,
    orders: int = 2500,
    seed: int = 18,
    plant_seed: int = SEED,
    fmt: gen.Format = "parquet",
) -> tuple[dict[str, Path], pd.DataFrame]:
    """Generate the honest shop (``seed``), plant the rows (``plant_seed``), write every kind
    as one file under ``out``; returns the paths by kind and the labels."""
    honest = gen.generate(customers, distributors, orders, seed, 0, END_MS)
    rows = plant(gen.frames(honest), plant_seed)
    paths = gen.write(combined(honest, rows), out, fmt)
    rows["labels"].to_csv(out / "labels.csv", index=False)
    return paths, rows["labels"]


# -- evaluation ------------------------------------------------------------------------------
def _score_members(ring: Any) -> tuple[int, set[str]]:
    if isinstance(ring, tuple):
        return int(ring[0]), set(ring[1])
    if isinstance(ring, Mapping):
        members = ring.get("member_ids") or {m["id"] for m in ring["members"]}
        return int(ring["score"]), set(members)
    return int(ring.score), set(ring.member_ids)


def handmade_report(
    rings: Iterable[Any], labels: pd.DataFrame, *, flag_score: int | None = None
) -> dict[str, dict[str, Any]]:
    """Per labelled group (``ring_id``): for a ring shape, ``found`` (at least half its members
    in one flagged ring), ``recall`` (the share of its members in the flagged ring overlapping
    it most), ``precision`` (of the members of the flagged rings matched to it — by largest
    overlap among all labelled groups — the share that belong to it; None when no flagged
    ring matched); for an honest group, ``flagged`` (its members in any flagged ring). Both:
    ``members``, ``best_score`` and ``best_overlap`` (the ring of any score overlapping it
    most), ``rings`` (how many rings touch it). ``rings``: the scan's rings, (score, member
    ids) pairs or dicts with ``score`` and ``members``."""
    from teamgraph.fraud.quality import FLAG_SCORE

    line = FLAG_SCORE if flag_score is None else flag_score
    scored = [_score_members(r) for r in rings]
    flagged = [m for s, m in scored if s >= line]
    truth = {rid: set(g["customer_id"]) for rid, g in labels.groupby("ring_id", sort=False)}
    kind = labels.groupby("ring_id", sort=False)["kind"].first().to_dict()
    matched: dict[str, list[tuple[int, int]]] = {rid: [] for rid in truth}
    for f in flagged:
        overlaps = {rid: len(f & m) for rid, m in truth.items()}
        best = max(overlaps, key=lambda r: overlaps[r])
        if overlaps[best]:
            matched[best].append((len(f), overlaps[best]))
    in_flagged = set().union(*flagged) if flagged else set()
    report: dict[str, dict[str, Any]] = {}
    for rid, members in truth.items():
        touching = [(s, len(members & m), len(m)) for s, m in scored if members & m]
        best = max(touching, key=lambda t: (t[1], t[0]), default=(0, 0, 0))
        row: dict[str, Any] = {
            "kind": kind[rid],
            "members": len(members),
            "rings": len(touching),
            "best_score": best[0],
            "best_overlap": best[1],
            "best_size": best[2],
        }
        if kind[rid].startswith("honest_"):
            row["flagged"] = len(members & in_flagged)
            row["ok"] = row["flagged"] <= 1
        else:
            hit = max((len(members & f) for f in flagged), default=0)
            size = sum(n for n, _ in matched[rid])
            row["found"] = hit * 2 >= len(members)
            row["recall"] = round(hit / len(members), 3)
            row["precision"] = round(sum(c for _, c in matched[rid]) / size, 3) if size else None
            row["ok"] = bool(
                row["found"] and row["recall"] >= 0.9 and (row["precision"] or 0) >= 0.9
            )
        report[rid] = row
    return report


def outside(
    rings: Iterable[Any], labels: pd.DataFrame, *, flag_score: int | None = None
) -> dict[str, Any]:
    """The flagged rings that touch no labelled account (false positives in the honest
    generator shop around the planted rows): how many, their members, their top scores."""
    from teamgraph.fraud.quality import FLAG_SCORE

    line = FLAG_SCORE if flag_score is None else flag_score
    labelled = set(labels["customer_id"])
    stray = [(s, m) for s, m in map(_score_members, rings) if s >= line and not m & labelled]
    return {
        "rings": len(stray),
        "members": sum(len(m) for _, m in stray),
        "scores": sorted((s for s, _ in stray), reverse=True)[:10],
    }


def money(
    shop: Any, labels: pd.DataFrame, orders: pd.DataFrame, rings: Iterable[Any] = ()
) -> dict[str, dict[str, Any]]:
    """What is at stake in each labelled group, from the shop's ledger (issue 18: "at stake" is
    the commission that flowed inside the group). The group here is its core: the members
    whose role is not ``client`` (a distributor's ordinary clients are not what a ring
    review would hold). ``inside_fen``: the rewards its distributors earned from its members'
    orders, ``clawback_fen`` what was taken back of them (refunds); ``other_fen``: what they
    earned, net, from everyone else; ``ring_inside_fen``: the figure the ring overlapping the
    core most shows (None when no ring touches it or rings carry none). ``orders``: ``id,
    customer_id`` of the shop's orders (the orders file)."""
    buyer = orders.drop_duplicates("id").set_index("id")["customer_id"].astype(str).to_dict()
    scored = [(ring, _score_members(ring)[1]) for ring in rings]
    out = {}
    for rid, group in labels.groupby("ring_id", sort=False):
        core = set(group[group["role"] != "client"]["customer_id"])
        inside = clawback = other = 0
        earners = shop.store.read("distributor.profiles", ids=sorted(core))
        for d in sorted(str(r["id"]) for r in earners):
            entries = shop.store.read(
                "ledger.entries", id=d, before=2**62, before_id="", limit=1_000_000
            )
            for e in entries:
                if e["kind"] not in ("reward", "clawback") or e["unit"] != "fen":
                    continue
                if buyer.get(e["order_id"]) not in core:
                    other += int(e["amount"])
                elif e["kind"] == "reward":
                    inside += int(e["amount"])
                else:
                    clawback += -int(e["amount"])
        best = max(scored, key=lambda rm: len(rm[1] & core), default=None)
        ring_inside = None
        if best is not None and best[1] & core:
            ring_inside = getattr(best[0], "inside_fen", None)
        out[str(rid)] = {
            "core": len(core),
            "inside_fen": inside,
            "clawback_fen": clawback,
            "other_fen": other,
            "ring_inside_fen": ring_inside,
        }
    return out


def format_money(figures: Mapping[str, Mapping[str, Any]]) -> str:
    def yuan(fen: int | None) -> str:
        return "-" if fen is None else f"{fen / 100:,.2f}"

    lines = [
        f"{'group':16} {'core':>4} {'inside ¥':>10} {'clawed ¥':>10} {'other ¥':>10} "
        f"{'ring shows inside ¥':>20}"
    ]
    for rid, f in figures.items():
        lines.append(
            f"{rid:16} {f['core']:>4} {yuan(f['inside_fen']):>10} {yuan(f['clawback_fen']):>10} "
            f"{yuan(f['other_fen']):>10} {yuan(f['ring_inside_fen']):>20}"
        )
    return "\n".join(lines)


def curve(
    rings: Sequence[Any], labels: pd.DataFrame, lines: Iterable[int] = range(20, 101, 5)
) -> list[dict[str, Any]]:
    """The figures at each flag line (issue 18's curve, for the hand-made set): ring shapes met
    and found, their mean member recall and precision (a shape no flagged ring matched counts
    0), honest groups left alone and their flagged members."""
    out = []
    for line in lines:
        r = handmade_report(rings, labels, flag_score=line)
        shapes = [x for x in r.values() if not x["kind"].startswith("honest_")]
        honest = [x for x in r.values() if x["kind"].startswith("honest_")]
        out.append(
            {
                "flag_score": line,
                "met": sum(x["ok"] for x in shapes),
                "found": sum(bool(x["found"]) for x in shapes),
                "recall": round(sum(x["recall"] for x in shapes) / len(shapes), 3),
                "precision": round(sum(x["precision"] or 0 for x in shapes) / len(shapes), 3),
                "honest_ok": sum(x["ok"] for x in honest),
                "honest_flagged": sum(x["flagged"] for x in honest),
                "outside": outside(rings, labels, flag_score=line)["members"],
            }
        )
    return out


def format_curve(points: Sequence[Mapping[str, Any]]) -> str:
    lines = ["flag  met found recall  prec  honest-ok honest-flagged outside"]
    for p in points:
        lines.append(
            f"{p['flag_score']:>4} {p['met']:>4} {p['found']:>5} {p['recall']:>6} "
            f"{p['precision']:>5} {p['honest_ok']:>10} {p['honest_flagged']:>14} "
            f"{p['outside']:>7}"
        )
    return "\n".join(lines)


def format_report(
    report: Mapping[str, Mapping[str, Any]], stray: Mapping[str, Any] | None = None
) -> str:
    """The report as a text table, ring shapes first (``stray``: :func:`outside`)."""
    head = f"{'group':16} {'kind':18} {'n':>4} {'found':>5} {'recall':>6} {'prec':>5} "
    head += f"{'flagged':>7} {'best score/overlap/size':>24} {'rings':>5}  ok"
    lines = [head]
    for rid, r in sorted(report.items(), key=lambda kv: (kv[1]["kind"].startswith("h"), kv[0])):

        def cell(key: str, width: int, r: Mapping[str, Any] = r) -> str:
            v = r.get(key, "")
            v = "-" if v is None else ("yes" if v is True else "no" if v is False else v)
            return f"{v!s:>{width}}"

        best = f"{r['best_score']}/{r['best_overlap']}/{r['best_size']}"
        lines.append(
            f"{rid:16} {r['kind']:18} {r['members']:>4} {cell('found', 5)} {cell('recall', 6)} "
            f"{cell('precision', 5)} {cell('flagged', 7)} {best:>24} {r['rings']:>5}  "
            f"{'OK' if r['ok'] else 'FAIL'}"
        )
    shapes = [r for r in report.values() if not r["kind"].startswith("honest_")]
    honest = [r for r in report.values() if r["kind"].startswith("honest_")]
    lines.append(
        f"ring shapes met: {sum(r['ok'] for r in shapes)}/{len(shapes)} "
        f"(found {sum(bool(r['found']) for r in shapes)}); "
        f"honest groups left alone: {sum(r['ok'] for r in honest)}/{len(honest)}"
    )
    if stray is not None:
        lines.append(
            f"flagged rings touching no labelled account: {stray['rings']} "
            f"({stray['members']} members; scores {stray['scores']})"
        )
    return "\n".join(lines)


def touching(rings: Iterable[Any], labels: pd.DataFrame) -> str:
    """Each labelled group's rings (score, kinds, overlap / size), for ``scan -v``."""
    truth = {rid: set(g["customer_id"]) for rid, g in labels.groupby("ring_id", sort=False)}
    out = []
    for rid, members in truth.items():
        out.append(f"{rid} ({len(members)} members)")
        for ring in rings:
            score, ids = _score_members(ring)
            if ids & members:
                kinds = ",".join(getattr(ring, "kinds", []) or [])
                out.append(f"    score {score:3d} {kinds:40} {len(ids & members)}/{len(ids)}")
    return "\n".join(out)


# -- command line ----------------------------------------------------------------------------
def _engine(data: Path) -> Any:
    from teamgraph.config import Settings
    from teamgraph.graph import connect

    return connect(Settings(TEAMGRAPH_DATA=str(data)))


def load(shop: Any, paths: Mapping[str, Path]) -> dict[str, int]:
    """Every kind's file loaded through the importer in ``LOAD_ORDER`` (as ``teamgraph load``
    does); returns the rows loaded by kind, refusing the load if any row was refused."""
    from teamgraph.etl import importer

    loaded = {}
    for kind in gen.LOAD_ORDER:
        result = importer.load_file(shop, kind, paths[kind])
        if result.rejected:
            raise AssertionError(f"{kind}: {result.summary()}")
        loaded[kind] = result.loaded
    return loaded


def main(argv: Sequence[str] | None = None) -> int:
    import time

    from teamgraph.shop import Shop

    parser = argparse.ArgumentParser(prog="python -m tests.fraud.handmade", description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("build", help="generate, plant and load the shop (once)")
    s = sub.add_parser("scan", help="scan the built shop and print the report")
    for p in (b, s):
        p.add_argument("data", type=Path, help="data directory of the embedded engine")
        p.add_argument("--shop", default="handmade")
    b.add_argument("--customers", type=int, default=2500)
    b.add_argument("--distributors", type=int, default=250)
    b.add_argument("--orders", type=int, default=2500)
    b.add_argument("--seed", type=int, default=18, help="the honest shop's seed")
    b.add_argument("--plant-seed", type=int, default=SEED, help="the planted rows' seed")
    b.add_argument("--force", action="store_true", help="drop the shop first if it exists")
    s.add_argument("-v", "--verbose", action="store_true", help="the rings touching each group")
    s.add_argument("--json", action="store_true")
    s.add_argument("--flag-score", type=int, default=None)
    s.add_argument("--now", type=int, default=END_MS, help="the scan's now (epoch ms)")
    s.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=INT",
        help="a detector knob (teamgraph.fraud.detect.Params field) for this scan; repeatable",
    )
    s.add_argument("--curve", action="store_true", help="the figures at every flag line")
    args = parser.parse_args(argv)
    data: Path = args.data
    data.mkdir(parents=True, exist_ok=True)
    engine = _engine(data)
    try:
        if args.mode == "build":
            started = time.perf_counter()
            store = engine.open(args.shop)
            if store.read("shop.get", id=args.shop):
                if not args.force:
                    print(f"shop {args.shop} exists in {data}; --force rebuilds it")
                    return 1
                store.drop()
            paths, labels = build_files(
                data / "files",
                customers=args.customers,
                distributors=args.distributors,
                orders=args.orders,
                seed=args.seed,
                plant_seed=args.plant_seed,
            )
            shop = Shop.create(engine, args.shop, gen.SETTINGS)
            loaded = load(shop, paths)
            print(f"loaded {loaded} in {time.perf_counter() - started:.1f} s")
            print(f"{len(labels)} labelled accounts in {labels['ring_id'].nunique()} groups")
            return 0
        labels = pd.read_csv(data / "files" / "labels.csv", dtype=str)
        shop = Shop.open(engine, args.shop)
        params = None
        if args.param:
            from dataclasses import replace

            from teamgraph.fraud.detect import Params

            knobs = dict(p.split("=", 1) for p in args.param)
            params = replace(Params(), **{k: int(v) for k, v in knobs.items()})
        result = shop.scan(now=args.now, params=params)
        if args.curve:
            print(format_curve(curve(result.rings, labels)))
        report = handmade_report(result.rings, labels, flag_score=args.flag_score)
        stray = outside(result.rings, labels, flag_score=args.flag_score)
        if args.json:
            print(json.dumps({**report, "_outside": stray}, ensure_ascii=False, indent=1))
        else:
            print(result.summary())
            print(format_report(report, stray))
            if args.verbose:
                print(touching(result.rings, labels))
                orders = pd.read_parquet(data / "files" / "orders.parquet")
                print(format_money(money(shop, labels, orders, result.rings)))
        return 0
    finally:
        engine.close()


if __name__ == "__main__":
    sys.exit(main())
