"""The shop projected into memory for a scan: plain pandas frames, read in two passes.

The **whole-shop pass** reads what every candidate group starts from: the identity signal
values shared by at least two and at most ``max_shared`` customers (aggregated in the engine,
so the millions of private values never leave it), the distributors, and the open bindings
between distributors (circular attribution). The **neighbourhood pass** reads, for the
candidates' members only, their bindings, invitations, orders, the rewards those orders paid
and their refunds. A scan's cost so grows with the suspicious part of the shop, not with all of
it (F-7).

A :class:`Source` gives both passes. The shop's graph is one, read by ``Shop``'s risk module
(``teamgraph.shop.projection.GraphSource``) into the frames built here (:func:`shared_frame`,
:func:`distributors_frame`, :func:`links_frame`, :func:`neighbourhood_frames`);
:class:`TableSource` builds the same projection from the generator's tables without a graph
(the benchmark's 1,000,000-customer figures, F-12).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

SIGNAL_LABELS = {"Device": "device", "Phone": "phone", "Address": "address", "Account": "account",
                 "IP": "ip"}  # fmt: skip

_SHARED = ["kind", "value", "customer_id", "first_seen", "k"]
_DISTRIBUTORS = ["id", "level", "status", "became_at", "perf_received_fen",
                 "perf_transaction_fen", "perf_paid_orders", "perf_completed_orders",
                 "direct_clients", "invitees"]  # fmt: skip
_FLOWS = ["buyer", "earner", "paid_fen", "orders"]
_LINKS = ["customer_id", "distributor_id", "since", "ended_at"]
_CUSTOMERS = ["id", "name", "joined_at", "is_distributor", "level"]
_INVITATIONS = ["id", "inviter_id", "at"]
_ORDERS = ["id", "customer_id", "paid_at", "paid_fen", "refunded_fen", "settle_at",
           "attributed_to"]  # fmt: skip
_REWARDS = ["order_id", "distributor_id", "amount", "status", "tier"]
_REFUNDS = ["order_id", "at", "amount_fen"]


Columns = Mapping[str, Sequence[Any]]
"""A part of the projection as the engine answers it: one list per column, no dict per row."""


def _frame(cols: Columns, columns: list[str]) -> pd.DataFrame:
    """A frame from one list per column; an empty one has object columns (no type to infer)."""
    if not any(len(cols.get(c, ())) for c in columns):
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({c: cols[c] for c in columns}, columns=columns)


@dataclass
class Neighbourhood:
    """What the candidates' members did: every frame keyed by customer or order id."""

    customers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_CUSTOMERS))
    bindings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_LINKS))
    invitations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_INVITATIONS))
    orders: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_ORDERS))
    rewards: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_REWARDS))
    refunds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_REFUNDS))


class Source(Protocol):
    """Where a scan reads the shop from."""

    def shared_signals(self, max_shared: int) -> pd.DataFrame:
        """One row per (signal value, customer) for values shared by 2..max_shared customers:
        ``kind, value, customer_id, first_seen, k`` (k: customers sharing the value)."""
        ...

    def distributors(self) -> pd.DataFrame: ...

    def distributor_bindings(self) -> pd.DataFrame:
        """Open bindings whose customer is itself a distributor."""
        ...

    def flows(self) -> pd.DataFrame:
        """Who paid whom: ``buyer, earner, paid_fen, orders`` per buyer and the distributor
        its orders were attributed to (tier 1)."""
        ...

    def neighbourhood(self, ids: list[str]) -> Neighbourhood: ...


NEIGHBOURHOOD_PARTS = ("customers", "bindings", "invitations", "orders", "rewards", "refunds")
"""The frames of a :class:`Neighbourhood`, in the order a source reads them."""


def shared_frame(cols: Columns) -> pd.DataFrame:
    """The shared signal values as :meth:`Source.shared_signals` answers them, from columns
    whose ``kind`` is a graph label (``Device``) or already a kind (``device``)."""
    out = _frame(cols, _SHARED)
    out["kind"] = out["kind"].map(lambda k: SIGNAL_LABELS.get(k, str(k).lower()))
    return out


def distributors_frame(cols: Columns) -> pd.DataFrame:
    return _frame(cols, _DISTRIBUTORS)


def flows_frame(cols: Columns) -> pd.DataFrame:
    return _frame(cols, _FLOWS)


def links_frame(cols: Columns) -> pd.DataFrame:
    """Bindings: ``customer_id, distributor_id, since, ended_at``."""
    return _frame(cols, _LINKS)


def neighbourhood_frames(parts: Mapping[str, Columns]) -> Neighbourhood:
    """A :class:`Neighbourhood` from the columns of each of :data:`NEIGHBOURHOOD_PARTS`."""
    return Neighbourhood(
        customers=_frame(parts["customers"], _CUSTOMERS),
        bindings=_frame(parts["bindings"], _LINKS),
        invitations=_frame(parts["invitations"], _INVITATIONS),
        orders=_frame(parts["orders"], _ORDERS),
        rewards=_frame(parts["rewards"], _REWARDS),
        refunds=_frame(parts["refunds"], _REFUNDS),
    )


# -- the same projection from the generator's tables (no graph) ------------------------------------
class TableSource:
    """The generator's frames (``generator.read`` or ``tables_to_frames``) as a source.

    Rewards are derived as the ledger would issue them in the simplest program: the order's
    attributed distributor (the binding in force when paid) earns ``tier1_bp`` of the paid amount
    and its inviter ``tier2_bp``; a reward is settled when its order completed more than
    ``settle_days`` before ``now`` (F-12)."""

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        now: int,
        tier1_bp: int = 1000,
        tier2_bp: int = 300,
        settle_days: int = 7,
    ) -> None:
        self.f = frames
        self.now = now
        cust = frames["customers"]
        dist = frames["distributors"]
        self._dist_ids = set(dist["id"])
        self._cust = cust.set_index("id", drop=False)
        orders = frames["orders"]
        per_order = orders.groupby("id", sort=False).agg(
            customer_id=("customer_id", "first"),
            paid_at=("paid_at", "first"),
            paid_fen=("paid_fen", "sum"),
            completed_at=("completed_at", "first"),
        )
        refunds = frames["refunds"]
        refunded = refunds.groupby("order_id")["amount_fen"].sum()
        per_order["refunded_fen"] = refunded.reindex(per_order.index).fillna(0).astype(np.int64)
        day = 86_400_000
        per_order["settle_at"] = per_order["completed_at"] + settle_days * day
        per_order["attributed_to"] = self._attribute(per_order, frames["bindings"])
        self.orders = per_order.reset_index()
        inv = frames["invitations"].set_index("id")["inviter_id"]
        t1 = self.orders.dropna(subset=["attributed_to"])
        status = np.where(t1["settle_at"].notna() & (t1["settle_at"] <= now), "settled", "pending")
        r1 = pd.DataFrame(
            {
                "order_id": t1["id"],
                "distributor_id": t1["attributed_to"],
                "amount": t1["paid_fen"] * tier1_bp // 10_000,
                "status": status,
                "tier": 1,
            }
        )
        up = t1["attributed_to"].map(inv)
        has = up.notna().to_numpy()
        r2 = pd.DataFrame(
            {
                "order_id": t1["id"][has],
                "distributor_id": up[has],
                "amount": t1["paid_fen"][has] * tier2_bp // 10_000,
                "status": status[has],
                "tier": 2,
            }
        )
        self.rewards = pd.concat([r1, r2], ignore_index=True)

    @staticmethod
    def _attribute(orders: pd.DataFrame, bindings: pd.DataFrame) -> pd.Series:
        """The distributor whose binding was in force when each order was paid (M-1)."""
        b = bindings[["customer_id", "distributor_id", "since", "ended_at", "expires_at"]].copy()
        big = np.int64(2**62)
        b["until"] = np.minimum(
            b["ended_at"].fillna(big).astype(np.int64), b["expires_at"].fillna(big).astype(np.int64)
        )
        o = orders[["customer_id", "paid_at"]].reset_index()
        o = o.sort_values("paid_at")
        b = b.sort_values("since")
        m = pd.merge_asof(
            o, b, left_on="paid_at", right_on="since", by="customer_id", direction="backward"
        )
        m.loc[m["until"].isna() | (m["paid_at"] >= m["until"]), "distributor_id"] = None
        return m.set_index("id")["distributor_id"].reindex(orders.index)

    def shared_signals(self, max_shared: int) -> pd.DataFrame:
        s = self.f["signals"][["kind", "value", "customer_id", "first_seen"]]
        s = s.drop_duplicates(["kind", "value", "customer_id"])
        k = s.groupby(["kind", "value"], sort=False)["customer_id"].transform("size")
        keep = (k >= 2) & (k <= max_shared)
        out = s[keep.to_numpy()].copy()
        out["k"] = k[keep].to_numpy()
        return out.reset_index(drop=True)

    def distributors(self) -> pd.DataFrame:
        d = self.f["distributors"][["id", "level", "status", "became_at"]].copy()
        by = self.orders.groupby("attributed_to")
        sales = by["paid_fen"].sum()
        net = sales - by["refunded_fen"].sum()
        d["perf_received_fen"] = d["id"].map(net)
        d["perf_transaction_fen"] = d["id"].map(sales)
        d["perf_paid_orders"] = d["id"].map(by.size())
        done = self.orders[self.orders["completed_at"].notna()].groupby("attributed_to").size()
        d["perf_completed_orders"] = d["id"].map(done)
        b = self.f["bindings"]
        d["direct_clients"] = d["id"].map(b.groupby("distributor_id")["customer_id"].nunique())
        d["invitees"] = d["id"].map(self.f["invitations"].groupby("inviter_id").size())
        return d.reset_index(drop=True)

    def flows(self) -> pd.DataFrame:
        o = self.orders.dropna(subset=["attributed_to"])
        g = o.groupby(["customer_id", "attributed_to"], sort=False)["paid_fen"]
        out = g.agg(["sum", "size"]).reset_index()
        out.columns = _FLOWS
        return out

    def distributor_bindings(self) -> pd.DataFrame:
        b = self.f["bindings"]
        b = b[b["ended_at"].isna() & b["customer_id"].isin(self._dist_ids)]
        return b[_LINKS].reset_index(drop=True)

    def neighbourhood(self, ids: list[str]) -> Neighbourhood:
        want = pd.Index(ids)
        cust = self._cust.loc[self._cust.index.intersection(want)]
        customers = pd.DataFrame(
            {
                "id": cust["id"].to_numpy(),
                "name": cust["name"].to_numpy(),
                "joined_at": cust["joined_at"].to_numpy(),
                "is_distributor": cust["id"].isin(self._dist_ids).to_numpy(),
                "level": None,
            }
        )
        b = self.f["bindings"]
        inv = self.f["invitations"]
        orders = self.orders[self.orders["customer_id"].isin(want)]
        rewards = self.rewards[self.rewards["order_id"].isin(orders["id"])]
        refunds = self.f["refunds"]
        return Neighbourhood(
            customers=customers,
            bindings=b[b["customer_id"].isin(want)][_LINKS],
            invitations=inv[inv["id"].isin(want)][_INVITATIONS],
            orders=orders[_ORDERS],
            rewards=rewards[_REWARDS],
            refunds=refunds[refunds["order_id"].isin(orders["id"])][_REFUNDS],
        )
