"""Candidate groups and their scores: the detector over a :mod:`~teamgraph.fraud.projection`.

1. **Seeds.** One directed graph of the whole shop: customers tied both ways through the
   identity values they share (rare enough, F-8, or arriving in a burst, F-15), each buyer to
   the distributor its orders paid (tier 1, ``Source.flows``), each distributor to the one it
   is bound to. Its strongly connected components (scipy, the whole shop at once) are the
   seeds: a family on one device, an attribution cycle of any length, and money that goes
   round through several distributors and comes back to accounts tied to the first (a
   carousel, issue 18) are each one component.
2. **Groups.** A seed takes in the distributors at least half of its members (and at least two)
   are bound to (F-9: the inviter of a burst, the distributor of a refund ring); then only the
   members tied by money or attribution to another member stay (a binding, an invitation, a
   reward from a member's order), so a stranger linked by one family device does not (F-9). A
   group is kept when commission flows inside it (R-6.2), or when it shows a burst or a cycle.
   Groups larger than ``large`` are split by Louvain community detection (networkx) on their
   weighted member graph (F-10).
3. **Score.** Each signal of :mod:`teamgraph.fraud.signals` adds its points (the honest
   context, members with a trade outside the group, takes some off); the score is their sum
   between 0 and 100, with the members, the edges that tie them, the shared values (masked)
   and the commission inside as evidence (F-11, F-17).

Relative to the shop (F-15, F-16): a burst is measured against what the shop's ordinary
values of the same kind reach in the same window (:class:`Baseline`) and against the
distributor's own rate of new clients; "soon after settlement" is the shop's own settle
window; the thresholds are the program's own, counts included (:class:`Program`).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from teamgraph.fraud import signals as sig
from teamgraph.fraud.mask import mask
from teamgraph.fraud.projection import Neighbourhood, Source
from teamgraph.rules.money import yuan

R63_KINDS = ("self_dealing", "circular", "carousel", "invite_burst", "refund_after_settle",
             "threshold")  # fmt: skip
"""Contributions that name a ring's kind (the R-6.3 signals); the others only add evidence."""
PATTERNS = frozenset({"circular", "carousel", "invite_burst", "refund_after_settle"})
"""Shapes no honest family or office makes: with one of them, the honest context counts for
nothing (F-17)."""
HONEST = frozenset({"outside_clients", "household"})
PLACES = frozenset({"address", "ip"})
"""Values of a place, not a person: an office's lunchtime group-buy brings six co-workers onto
its IP within the hour, so a burst there needs ``burst_minimum_place`` accounts (as does one
distributor's own burst); on a device, a payment account or a phone ``burst_minimum`` (F-15)."""


@dataclass(frozen=True)
class Params:
    """The detector's knobs (F-8–F-11, F-15–F-17); the defaults are what the quality figures
    measure."""

    max_shared: int = 50
    min_link: float = 0.25
    large: int = 150
    min_score: int = 20
    burst_minimum: int = 5
    burst_minimum_place: int = 10
    household_cap: int = 35
    family_device: int = 4
    burst_ratio: float = 3.0
    usual_quantile: float = 0.9
    threshold_margin_bp: int = 300
    seed: int = 7


METRICS = {
    "received_fen": "perf_received_fen",
    "transaction_fen": "perf_transaction_fen",
    "paid_orders": "perf_paid_orders",
    "completed_orders": "perf_completed_orders",
    "bound_customers": "direct_clients",
    "invited_distributors": "invitees",
}
"""A level condition (R-4.2) and the distributor's counter it is met by."""


@dataclass(frozen=True)
class Program:
    """What the shop's program pays for and when (F-16): each level condition's thresholds by
    metric (the ladder's steps count as sales), and the settle window."""

    thresholds: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    settle_ms: int = 7 * sig.DAY


def program_of(settings: Any) -> Program:
    """The :class:`Program` of a shop's settings."""
    out: dict[str, set[int]] = defaultdict(set)
    for lv in settings.levels:
        for metric, value in lv.conditions.chosen().items():
            if value:
                out[metric].add(int(value))
    for step in getattr(settings, "ladder", []) or []:
        out["received_fen"].add(int(step.threshold_fen))
        out["transaction_fen"].add(int(step.threshold_fen))
    return Program(
        thresholds={m: tuple(sorted(v)) for m, v in sorted(out.items())},
        settle_ms=int(settings.settle_days) * sig.DAY,
    )


@dataclass
class Detected:
    """One ring as the detector found it (``Risk.save_rings`` writes these)."""

    id: str
    score: int
    kinds: list[str]
    members: list[dict[str, str]]
    distributors: int
    top_signals: list[str]
    inside_fen: int
    contributions: list[dict[str, Any]]
    edges: list[dict[str, str]]
    signals: list[dict[str, Any]]

    @property
    def member_ids(self) -> set[str]:
        return {m["id"] for m in self.members}

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Stats:
    """What the detector saw, for the scan's report."""

    shared_rows: int = 0
    shared_values: int = 0
    seeds: int = 0
    flows: int = 0
    bursty_values: int = 0
    candidates: int = 0
    split: int = 0
    kept: int = 0
    written: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def ring_id(members: Iterable[str]) -> str:
    """A ring's id from its members: the same group found again gets the same id."""
    text = ",".join(sorted(members))
    # a name, not a secret: SHA-1 only spreads the members' ids over the hex digits
    return "ring-" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:10]


# -- 1. seeds ----------------------------------------------------------------------------------
def links(shared: pd.DataFrame, min_link: float, bursty: pd.Series | None = None) -> pd.Series:
    """F-8: which shared values tie their customers: rarity at least ``min_link`` (with the
    defaults a device or an account up to 128 customers, an address up to 24, an IP up to 8),
    or, whatever their rarity, values whose customers arrived in a burst (``bursty``, per row;
    F-15: fifteen accounts on one fresh IP within ten minutes)."""
    if shared.empty:
        return pd.Series([], dtype=bool)
    weight = shared["kind"].map(sig.KIND_WEIGHT).fillna(0.5).astype(float)
    k = np.maximum(shared["k"].astype(float), 2.0)
    rare = weight * 2.0 / (1.0 + np.log2(k)) >= min_link
    return rare if bursty is None else rare | bursty


@dataclass
class Baseline:
    """F-15: per kind of value and per window (:data:`signals.WINDOWS`), how many customers an
    ordinary shared value of the shop gathers at most in that window (the ``usual_quantile``
    of the densest window over the shop's shared values of that kind), and each shared value's
    own densest count."""

    usual: dict[str, dict[int, float]]
    dense: pd.DataFrame  # kind, value, and one column per window

    def of(self, kind: str) -> dict[int, float]:
        return self.usual.get(kind, {})


def baseline(shared: pd.DataFrame, quantile: float) -> Baseline:
    """The densest window of every shared value (vectorised: one sort, one ``searchsorted``
    per window), and their ``quantile`` per kind."""
    windows = sig.WINDOWS
    if shared.empty:
        return Baseline({}, pd.DataFrame(columns=["kind", "value", *windows]))
    key = shared["kind"].astype(str) + "\x00" + shared["value"].astype(str)
    codes, uniques = pd.factorize(key)
    t = pd.to_numeric(shared["first_seen"], errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(t)
    codes, t = codes[ok].astype(np.int64), t[ok].astype(np.int64)
    t = t - (t.min() if len(t) else 0)
    order = np.lexsort((t, codes))
    codes, t = codes[order], t[order]
    span = np.int64(1) << 42
    flat = codes * span + t
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else None
    dense: dict[Any, Any] = {}
    for w in windows:
        counts = np.searchsorted(flat, flat + w, side="right") - np.arange(len(flat))
        dense[w] = np.maximum.reduceat(counts, starts) if starts is not None else np.zeros(0)
    kinds = np.asarray([u.split("\x00", 1)[0] for u in uniques], dtype=object)
    values = np.asarray([u.split("\x00", 1)[1] for u in uniques], dtype=object)
    present = codes[starts] if starts is not None else np.zeros(0, np.int64)
    frame = pd.DataFrame({"kind": kinds[present], "value": values[present]})
    for w in windows:
        frame[w] = dense[w]
    usual = {
        str(kind): {w: float(np.quantile(part[w], quantile)) for w in windows}
        for kind, part in frame.groupby("kind")
        if len(part) >= POPULATION
    }
    return Baseline(usual, frame)


POPULATION = 100
"""F-15: a kind needs this many shared values for their quantile to be the shop's baseline; with
fewer (a shop whose only shared IPs are a few rings' own) a kind has none, and a burst is
counted against one account per window."""


def bursty_values(base: Baseline, params: Params) -> set[tuple[str, str]]:
    """The (kind, value) pairs whose customers arrived in a burst by F-15's test."""
    out: set[tuple[str, str]] = set()
    frame = base.dense
    for kind, part in frame.groupby("kind"):
        usual = base.of(str(kind))
        hit = np.zeros(len(part), bool)
        for w in sig.WINDOWS:
            need = max(params.burst_minimum, params.burst_ratio * max(1.0, usual.get(w, 1.0)))
            hit |= part[w].to_numpy() >= need
        out.update((str(kind), str(v)) for v in part["value"].to_numpy()[hit])
    return out


def flow_components(
    shared: pd.DataFrame, flows: pd.DataFrame, bindings: pd.DataFrame
) -> list[list[str]]:
    """The seeds: strongly connected components (>= 2 customers) of one directed graph of the
    whole shop — customer <-> shared value (both ways), buyer -> the distributor its orders
    paid, distributor -> the distributor it is bound to (open bindings). scipy, one sparse
    matrix."""
    parts_src: list[np.ndarray] = []
    parts_dst: list[np.ndarray] = []
    if not shared.empty:
        cust = shared["customer_id"].to_numpy(dtype=object)
        val = "\x01" + shared["kind"].astype(str) + "\x00" + shared["value"].astype(str)
        val = val.to_numpy(dtype=object)
        parts_src += [cust, val]
        parts_dst += [val, cust]
    if not flows.empty:
        parts_src.append(flows["buyer"].to_numpy(dtype=object))
        parts_dst.append(flows["earner"].to_numpy(dtype=object))
    if not bindings.empty:
        parts_src.append(bindings["customer_id"].to_numpy(dtype=object))
        parts_dst.append(bindings["distributor_id"].to_numpy(dtype=object))
    if not parts_src:
        return []
    src, dst = np.concatenate(parts_src), np.concatenate(parts_dst)
    codes, ids = pd.factorize(np.concatenate([src, dst]))
    m = len(src)
    n = len(ids)
    graph = coo_matrix((np.ones(m, np.int8), (codes[:m], codes[m:])), shape=(n, n))
    _, comp = connected_components(graph, directed=True, connection="strong")
    customer = ~pd.Index(ids).astype(str).str.startswith("\x01")
    ids = np.asarray(ids, dtype=object)
    comp_c, ids_c = comp[customer], ids[customer]
    order = np.argsort(comp_c, kind="stable")
    sorted_comp = comp_c[order]
    cuts = np.flatnonzero(np.diff(sorted_comp)) + 1
    return [sorted(map(str, part)) for part in np.split(ids_c[order], cuts) if len(part) >= 2]


def signal_components(shared: pd.DataFrame) -> list[list[str]]:
    """Components (>= 2 customers) of the bipartite customer–value graph alone (the seeds
    before issue 18; kept for the tests that pin what identity alone ties)."""
    return flow_components(shared, pd.DataFrame(), pd.DataFrame())


def binding_cycles(bindings: pd.DataFrame, bound: int | None = None) -> list[list[str]]:
    """Attribution cycles among distributors (open bindings), of any length: the strongly
    connected components of the binding graph (``bound`` drops longer ones)."""
    if bindings.empty:
        return []
    g = nx.DiGraph()
    g.add_edges_from(
        zip(bindings["customer_id"].astype(str), bindings["distributor_id"].astype(str),
            strict=True)
    )  # fmt: skip
    return sig.cycles(g, bound)


def merge(seeds: Sequence[Sequence[str]]) -> list[list[str]]:
    """Seeds that share a member become one (union–find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for seed in seeds:
        root = find(seed[0])
        for x in seed[1:]:
            other = find(x)
            if other != root:
                parent[other] = root
    groups: dict[str, list[str]] = defaultdict(list)
    for x in parent:
        groups[find(x)].append(x)
    return sorted((sorted(g) for g in groups.values() if len(g) >= 2), key=lambda g: g[0])


# -- 2. the neighbourhood, indexed ---------------------------------------------------------------
class Index:
    """The neighbourhood as dicts, for the per-group work."""

    def __init__(
        self, hood: Neighbourhood, shared: pd.DataFrame, distributors: pd.DataFrame | ById
    ):
        self.customers = {r["id"]: r for r in _records(hood.customers)}
        self.bindings: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in _records(hood.bindings):
            self.bindings[r["customer_id"]].append(r)
        self.invited_by = {r["id"]: r for r in _records(hood.invitations)}
        self.orders: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.order = {}
        for r in _records(hood.orders):
            self.orders[r["customer_id"]].append(r)
            self.order[r["id"]] = r
        self.rewards: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in _records(hood.rewards):
            self.rewards[r["order_id"]].append(r)
        self.refunds: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in _records(hood.refunds):
            self.refunds[r["order_id"]].append(r)
        self.shared: dict[str, list[tuple[str, str, int, Any]]] = defaultdict(list)
        for kind, value, cid, first, k in shared[
            ["kind", "value", "customer_id", "first_seen", "k"]
        ].itertuples(index=False):
            self.shared[cid].append((kind, value, int(k), first))
        self.distributor = distributors if isinstance(distributors, ById) else ById(distributors)

    def is_distributor(self, cid: str) -> bool:
        c = self.customers.get(cid)
        return cid in self.distributor or bool(c and c.get("is_distributor"))


def _columns(frame: pd.DataFrame) -> list[list[Any]]:
    """Each column of ``frame`` as plain Python values, missing ones ``None``."""
    return [col.astype(object).where(col.notna(), None).tolist() for _, col in frame.items()]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts of plain Python values, missing ones ``None``."""
    if frame.empty:
        return []
    names = list(frame.columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*_columns(frame), strict=True)]


class ById:
    """The rows of a frame by ``id`` (the last row of a repeated id), each a dict as
    :func:`_records` makes it, made only when asked for: the scan looks up a few of the shop's
    distributors, not all of them."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._names = list(frame.columns)
        self._cols = _columns(frame) if not frame.empty else []
        ids = self._cols[self._names.index("id")] if self._cols else []
        self._at = {k: i for i, k in enumerate(ids)}

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def get(self, key: str) -> dict[str, Any] | None:
        i = self._at.get(key)
        if i is None:
            return None
        return {n: col[i] for n, col in zip(self._names, self._cols, strict=True)}


def anchors(seed: Iterable[str], idx: Index, most: int = 5) -> set[str]:
    """F-9: distributors outside the seed that at least half of its members, and at least two,
    are (or were) bound to — or ``most`` of them whatever the seed's size: one IP that three
    bursts came through, months apart, ties the three into one seed, and each burst's inviter
    is the distributor of a third of it."""
    members = set(seed)
    bound: dict[str, set[str]] = defaultdict(set)
    for c in members:
        for b in idx.bindings.get(c, []):
            if b["distributor_id"] not in members:
                bound[b["distributor_id"]].add(c)
    need = min(max(2, math.ceil(len(members) / 2)), max(2, most))
    return {d for d, cs in bound.items() if len(cs) >= need}


def ties(members: set[str], idx: Index) -> nx.Graph:
    """The money and attribution ties among ``members``: bindings, invitations and rewards
    (weight: how many)."""
    g = nx.Graph()
    for c in members:
        for b in idx.bindings.get(c, []):
            d = b["distributor_id"]
            if d in members and d != c:
                _add(g, c, d)
        inv = idx.invited_by.get(c)
        if inv and inv["inviter_id"] in members:
            _add(g, c, inv["inviter_id"])
        for o in idx.orders.get(c, []):
            for r in idx.rewards.get(o["id"], []):
                d = r["distributor_id"]
                if d in members and d != c:
                    _add(g, c, d)
    return g


def _add(g: nx.Graph, a: str, b: str, w: float = 1.0) -> None:
    if g.has_edge(a, b):
        g[a][b]["weight"] += w
    else:
        g.add_edge(a, b, weight=w)


def inside_fen(members: set[str], idx: Index) -> int:
    """R-6.2: commission members were paid from members' orders — the rewards as issued, before
    any clawback, since a refund after settlement takes back what already flowed (F-9)."""
    total = 0
    for c in members:
        for o in idx.orders.get(c, []):
            for r in idx.rewards.get(o["id"], []):
                amount = int(r["amount"] or 0)
                if amount > 0 and r["distributor_id"] in members and r["distributor_id"] != c:
                    total += amount
    return total


def louvain_parts(members: set[str], idx: Index, seed: int) -> list[set[str]]:
    """F-10: a large group split by Louvain on its members' ties and shared values."""
    g = ties(members, idx)
    by_value: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in members:
        for kind, value, _k, _ in idx.shared.get(c, []):
            by_value[kind, value].append(c)
    for (kind, _), cs in by_value.items():
        if len(cs) >= 2:
            w = sig.rarity(kind, len(cs))
            for other in cs[1:]:
                _add(g, cs[0], other, w)
    g.add_nodes_from(members)
    parts = nx.community.louvain_communities(g, weight="weight", seed=seed)
    return [set(p) for p in parts]


# -- 3. one group's evidence and score -------------------------------------------------------------
@dataclass
class Context:
    """What a group is judged against: the shop's program and its baselines (F-15, F-16)."""

    params: Params
    program: Program
    base: Baseline
    now: int


def evaluate(members: set[str], idx: Index, ctx: Context) -> Detected | None:
    """A group's score and evidence, or ``None`` when no commission flows inside it and it
    shows no burst or cycle either (F-9)."""
    params, program = ctx.params, ctx.program
    inside = inside_fen(members, idx)
    # shared values among the members
    by_value: dict[tuple[str, str], list[tuple[str, Any]]] = defaultdict(list)
    k_of: dict[tuple[str, str], int] = {}
    for c in members:
        for kind, value, k, first in idx.shared.get(c, []):
            by_value[kind, value].append((c, first))
            k_of[kind, value] = k
    pairs = sorted((kv, cs) for kv, cs in by_value.items() if len(cs) >= 2)
    shared = [
        sig.Shared(kind, mask(kind, value), tuple(sorted(c for c, _ in cs)), k_of[kind, value])
        for (kind, value), cs in pairs
    ]
    # who is bound to / paid by whom inside the group
    clients: dict[str, set[str]] = defaultdict(set)
    attribution = nx.DiGraph()
    flows = nx.DiGraph()
    edges: list[dict[str, str]] = []
    earned: dict[tuple[str, str], list[int]] = defaultdict(list)
    refunds: list[sig.Refund] = []
    bound_at: dict[str, list[int]] = defaultdict(list)  # distributor -> members' bindings
    inside_sales = 0
    buyers: set[str] = set()
    for c in sorted(members):
        for b in idx.bindings.get(c, []):
            d = b["distributor_id"]
            if d in members and d != c:
                clients[d].add(c)
                if b["since"] is not None:
                    bound_at[d].append(int(b["since"]))
                state = "open" if b["ended_at"] is None else "ended"
                edges.append(_edge(c, d, "bound_to", f"{state} binding"))
                if b["ended_at"] is None and idx.is_distributor(c):
                    attribution.add_edge(c, d)
        inv = idx.invited_by.get(c)
        if inv and inv["inviter_id"] in members:
            edges.append(_edge(c, inv["inviter_id"], "invited_by", "invited"))
        for o in idx.orders.get(c, []):
            paid_inside = False
            to = o.get("attributed_to")
            if to in members and to != c:
                inside_sales += int(o["paid_fen"] or 0)
                buyers.add(c)
                flows.add_edge(c, to, paid=True)
            for r in idx.rewards.get(o["id"], []):
                d = r["distributor_id"]
                if d in members and d != c:
                    earned[d, c].append(int(r["amount"] or 0))
                    paid_inside = True
                    if r.get("tier") == 1:
                        clients[d].add(c)
            if paid_inside:
                for rf in idx.refunds.get(o["id"], []):
                    refunds.append(sig.Refund(o["id"], int(rf["at"]), _int(o["settle_at"])))
    for (d, c), amounts in sorted(earned.items()):
        edges.append(_edge(d, c, "earned_from", f"¥{yuan(sum(amounts))} from this member's orders"))
    for s in shared:
        for other in s.members[1:]:
            edges.append(_edge(s.members[0], other, "shares_signal", f"{s.kind} {s.value}"))
        for a in s.members:
            for b2 in s.members:
                if a != b2:
                    flows.add_edge(a, b2)
    # bursts: the members' arrivals on each shared value, against the shop's ordinary values of
    # its kind, and their bindings to each distributor, against the distributor's own rate
    events = []
    for s, ((kind, _), cs) in zip(shared, pairs, strict=True):
        times = [t for _, first in cs if (t := _int(first)) is not None]
        least = params.burst_minimum_place if kind in PLACES else params.burst_minimum
        events.append(sig.Events(f"{s.kind} {s.value}", times, ctx.base.of(kind), least))
    for d, times in sorted(bound_at.items()):
        rate = _own_rate(idx, d, ctx.now)
        events.append(sig.Events(f"distributor {d}", times, rate, params.burst_minimum_place))
    # thresholds and the honest context: the group's distributors' counters
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    sales, outside = 0, {}
    for d in sorted(members):
        row = idx.distributor.get(d)
        if not row:
            continue
        for metric, counter in METRICS.items():
            if row.get(counter) is not None and not _nan(row[counter]):
                totals[metric][d] = int(row[counter])
        sales += _int(row.get("perf_transaction_fen")) or 0
        direct = _int(row.get("direct_clients")) or 0
        outside[d] = max(0, direct - len(clients.get(d, ())))
    found = [
        sig.shared_signals(shared),
        sig.self_dealing(shared, clients),
        sig.circular(attribution),
        sig.carousel(flows),
        sig.burst(events, minimum=params.burst_minimum, ratio=params.burst_ratio),
        sig.refund_after_settle(refunds, window=max(sig.DAY, program.settle_ms)),
        sig.just_over_threshold(totals, program.thresholds, margin_bp=params.threshold_margin_bp),
        sig.commission_inside(inside),
        sig.inside_share(inside_sales, max(sales, inside_sales), len(buyers)),
        sig.outside_clients(outside, inside_sales, max(sales, inside_sales)),
    ]
    present = [c for c in found if c is not None]
    pattern = {c.signal for c in present} & PATTERNS
    kept = [c for c in present if not (pattern and c.signal in HONEST)]
    if not pattern and all(_household(s, params) for s in shared):
        kept.extend(sig.household(sum(c.points for c in kept), cap=params.household_cap))
    contributions = sorted(kept, key=lambda c: (-c.points, c.signal))
    named = {c.signal for c in contributions}
    if inside <= 0 and not named & {"invite_burst", "circular"}:
        return None
    score = max(0, min(100, sum(c.points for c in contributions)))
    is_d = {c: idx.is_distributor(c) for c in members}
    member_rows = [
        {"id": c, "role": "distributor" if is_d[c] else "account"} for c in sorted(members)
    ]
    return Detected(
        id=ring_id(members),
        score=score,
        kinds=[c.signal for c in contributions if c.signal in R63_KINDS],
        members=member_rows,
        distributors=sum(is_d.values()),
        top_signals=[c.detail for c in contributions[:3]],
        inside_fen=inside,
        contributions=[c.to_dict() for c in contributions],
        edges=edges,
        signals=[{"kind": s.kind, "value": s.value, "members": list(s.members)} for s in shared],
    )


def _household(s: sig.Shared, params: Params) -> bool:
    """F-17: a value a household or an office shares: a place (an address, an IP) or a device
    used by at most ``family_device`` members (the family tablet); never a payment account or
    a phone, which name one person."""
    if s.kind in PLACES:
        return True
    return s.kind == "device" and len(s.members) <= params.family_device


def _own_rate(idx: Index, d: str, now: int) -> dict[int, float]:
    """F-15: how many clients distributor ``d`` gathers in each window at its own average
    rate since it became one (at least 30 days counted)."""
    row = idx.distributor.get(d) or {}
    direct = _int(row.get("direct_clients")) or 0
    became = _int(row.get("became_at"))
    span = max(30 * sig.DAY, now - became) if became is not None and now else 365 * sig.DAY
    return {w: direct * w / span for w in sig.WINDOWS}


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _edge(source: str, target: str, kind: str, detail: str) -> dict[str, str]:
    return {"source": source, "target": target, "kind": kind, "detail": detail}


def _int(v: Any) -> int | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)


# -- the whole detector ----------------------------------------------------------------------------
Step = Callable[[str, float], None]


def detect(
    source: Source,
    *,
    params: Params | None = None,
    program: Program | None = None,
    now: int = 0,
    step: Step | None = None,
    stats: Stats | None = None,
) -> list[Detected]:
    """Every ring of the shop ``source`` reads, highest score first (score >= min_score).
    ``step(name, fraction)`` reports progress."""
    import time

    params = params or Params()
    program = program or Program()
    stats = stats if stats is not None else Stats()
    report = step or (lambda name, frac: None)
    clock = time.perf_counter()

    def lap(name: str, frac: float) -> None:
        nonlocal clock
        t = time.perf_counter()
        stats.seconds[name] = round(t - clock, 3)
        clock = t
        report(name, frac)

    shared = source.shared_signals(params.max_shared)
    distributors = ById(source.distributors())
    dist_bindings = source.distributor_bindings()
    flows = source.flows()
    lap("read the whole-shop projection", 0.3)
    base = baseline(shared, params.usual_quantile)
    bursty = bursty_values(base, params)
    stats.bursty_values = len(bursty)
    pairs = pd.Series(list(zip(shared["kind"].astype(str), shared["value"].astype(str),
                               strict=True)), dtype=object)  # fmt: skip
    shared = shared[links(shared, params.min_link, pairs.isin(bursty)).to_numpy()]
    shared = shared.reset_index(drop=True)
    stats.shared_rows = len(shared)
    stats.shared_values = int(shared[["kind", "value"]].drop_duplicates().shape[0])
    stats.flows = len(flows)
    seeds = flow_components(shared, flows, dist_bindings)
    stats.seeds = len(seeds)
    lap("components", 0.4)
    ids = sorted({c for s in seeds for c in s})
    hood = source.neighbourhood(ids)
    idx = Index(hood, shared, distributors)
    extra = sorted({d for s in seeds for d in anchors(s, idx, params.burst_minimum)} - set(ids))
    if extra:
        more = source.neighbourhood(extra)
        hood = Neighbourhood(
            *(
                pd.concat([getattr(hood, f), getattr(more, f)], ignore_index=True)
                for f in ("customers", "bindings", "invitations", "orders", "rewards", "refunds")
            )
        )
        idx = Index(hood, shared, distributors)
    lap("read the candidates' neighbourhood", 0.7)
    groups: list[set[str]] = []
    for s in seeds:
        found_anchors = anchors(s, idx, params.burst_minimum)
        g = set(s) | found_anchors
        tied = set(ties(g, idx).nodes)
        if len(tied) < 2:
            continue
        if len(tied) > params.large or len(found_anchors) > 1:  # F-10
            stats.split += 1
            groups.extend(p for p in louvain_parts(tied, idx, params.seed) if len(p) >= 2)
        else:
            groups.append(tied)
    stats.candidates = len(groups)
    ctx = Context(params, program, base, now)
    found: dict[str, Detected] = {}
    for g in groups:
        ring = evaluate(g, idx, ctx)
        if ring is not None and ring.score >= params.min_score:
            found.setdefault(ring.id, ring)
    stats.kept = len(found)
    lap("score", 1.0)
    return sorted(found.values(), key=lambda r: (-r.score, r.id))
