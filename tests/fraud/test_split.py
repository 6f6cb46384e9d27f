"""F-10: a candidate group larger than ``Params.large`` is split by Louvain on its members' ties
and shared values. Two self-dealing rings joined by one home IP that a member of each uses make
one strongly connected seed; with ``large`` under its size the split gives the two rings back
(issue 18: no test reached the split before)."""

from __future__ import annotations

import pandas as pd

from teamgraph.fraud import projection
from teamgraph.fraud.detect import Params, Stats, detect
from teamgraph.fraud.projection import Neighbourhood

DAY = 86_400_000
T0 = 1_750_000_000_000


class Rings:
    """Two rings in memory: distributor ``dA`` with alts ``a0..a6`` and ``dB`` with
    ``b0..b6``, each ring on its own device and payment account, every alt bound to its
    distributor and buying through it; ``a0`` and ``b0`` share one IP."""

    def __init__(self) -> None:
        self.rings = {d: [d, *(f"{d[1].lower()}{i}" for i in range(7))] for d in ("dA", "dB")}
        shared, bindings, orders, rewards, customers = [], [], [], [], []
        for d, members in self.rings.items():
            for c in members:
                customers.append((c, c, T0, c == d, None))
                for kind in ("device", "account"):
                    shared.append((kind, f"{kind}-{d}", c, T0 + members.index(c) * DAY, 8))
                if c != d:
                    bindings.append((c, d, T0 + DAY, None))
                    for k in range(2):
                        oid = f"o-{c}-{k}"
                        orders.append((oid, c, T0 + 2 * DAY, 10_000, 0, T0 + 12 * DAY, d))
                        rewards.append((oid, d, 1_000, "settled", 1))
        shared += [("ip", "10.0.0.9", "a0", T0, 2), ("ip", "10.0.0.9", "b0", T0 + 9 * DAY, 2)]
        self.shared = pd.DataFrame(shared, columns=["kind", "value", "customer_id",
                                                    "first_seen", "k"])  # fmt: skip
        self.hood = Neighbourhood(
            customers=pd.DataFrame(customers, columns=projection._CUSTOMERS),
            bindings=pd.DataFrame(bindings, columns=projection._LINKS),
            orders=pd.DataFrame(orders, columns=projection._ORDERS),
            rewards=pd.DataFrame(rewards, columns=projection._REWARDS),
        )

    def shared_signals(self, max_shared: int) -> pd.DataFrame:
        return self.shared

    def distributors(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(d, 1, "active", T0, 70_000, 70_000, 7, 7, 7, 0) for d in self.rings],
            columns=projection._DISTRIBUTORS,
        )

    def distributor_bindings(self) -> pd.DataFrame:
        return pd.DataFrame(columns=projection._LINKS)

    def flows(self) -> pd.DataFrame:
        o = self.hood.orders.groupby(["customer_id", "attributed_to"])["paid_fen"]
        out = o.agg(["sum", "size"]).reset_index()
        out.columns = ["buyer", "earner", "paid_fen", "orders"]
        return out

    def neighbourhood(self, ids: list[str]) -> Neighbourhood:
        want = set(ids)
        h = self.hood
        orders = h.orders[h.orders["customer_id"].isin(want)]
        return Neighbourhood(
            customers=h.customers[h.customers["id"].isin(want)],
            bindings=h.bindings[h.bindings["customer_id"].isin(want)],
            orders=orders,
            rewards=h.rewards[h.rewards["order_id"].isin(orders["id"])],
        )


def test_f10_a_group_over_the_size_limit_is_split_back_into_its_rings() -> None:
    source = Rings()
    whole = detect(source, params=Params(), now=T0 + 30 * DAY)
    assert [len(r.members) for r in whole] == [16]  # one seed: the IP joins the two rings
    stats = Stats()
    split = detect(source, params=Params(large=10), now=T0 + 30 * DAY, stats=stats)
    assert stats.split == 1
    found = sorted(sorted(r.member_ids) for r in split)
    assert found == sorted(sorted(m) for m in source.rings.values())
    assert all(r.score >= 40 and "self_dealing" in r.kinds for r in split)
