"""Candidate groups and their scores: the detector over a :mod:`~teamgraph.fraud.projection`.

1. **Seeds.** Customers linked by rare shared identity values (2..``max_shared`` customers per
   value, F-8) form the components of the customer–signal graph, computed for the whole shop at
   once with scipy's sparse connected components; each attribution cycle among distributors
   (open bindings, up to ``cycle_bound`` long) is a seed too; overlapping seeds merge.
2. **Groups.** A seed takes in the distributors at least half of its members (and at least two)
   are bound to (F-9: the inviter of a burst, the distributor of a refund ring); then only the
   members tied by money or attribution to another member stay (a binding, an invitation, a
   reward from a member's order), so a stranger linked by one family device does not (F-9). A
   group is kept when commission flows inside it (R-6.2), or when it shows a burst or a cycle.
   Groups larger than ``large`` are split by Louvain community detection (networkx) on their
   weighted member graph (F-10).
3. **Score.** Each R-6.3 signal of :mod:`teamgraph.fraud.signals` adds its points; the score is
   their sum capped at 100, with the members, the edges that tie them, the shared values
   (masked) and the commission inside as evidence (F-11).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
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

R63_KINDS = ("self_dealing", "circular", "invite_burst", "refund_after_settle", "threshold")
"""Contributions that name a ring's kind (the R-6.3 signals); the others only add evidence."""


@dataclass(frozen=True)
class Params:
    """The detector's knobs (F-8–F-11); the defaults are what the quality figures measure."""

    max_shared: int = 50
    min_link: float = 0.25
    cycle_bound: int = 6
    large: int = 150
    min_score: int = 20
    burst_window: int = sig.HOUR
    burst_minimum: int = 5
    refund_window: int = 3 * sig.DAY
    threshold_margin_bp: int = 300
    seed: int = 7


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
    cycles: int = 0
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
def links(shared: pd.DataFrame, min_link: float) -> pd.Series:
    """F-8: which shared values tie their customers: rarity at least ``min_link`` (with the
    defaults a device or an account up to 128 customers, an address up to 24, an IP up to 8)."""
    if shared.empty:
        return pd.Series([], dtype=bool)
    weight = shared["kind"].map(sig.KIND_WEIGHT).fillna(0.5).astype(float)
    k = np.maximum(shared["k"].astype(float), 2.0)
    return weight * 2.0 / (1.0 + np.log2(k)) >= min_link


def signal_components(shared: pd.DataFrame) -> list[list[str]]:
    """Components (>= 2 customers) of the bipartite customer–value graph, for the whole shop:
    one sparse matrix, scipy's connected components."""
    if shared.empty:
        return []
    cust_codes, cust_ids = pd.factorize(shared["customer_id"])
    key = shared["kind"].astype(str) + "\x00" + shared["value"].astype(str)
    val_codes, _ = pd.factorize(key)
    nc = len(cust_ids)
    n = nc + int(val_codes.max()) + 1
    rows = cust_codes.astype(np.int64)
    cols = val_codes.astype(np.int64) + nc
    m = coo_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(m, directed=False)
    cust_labels = labels[:nc]
    order = np.argsort(cust_labels, kind="stable")
    sorted_labels = cust_labels[order]
    cuts = np.flatnonzero(np.diff(sorted_labels)) + 1
    ids = np.asarray(cust_ids, dtype=object)[order]
    return [list(part) for part in np.split(ids, cuts) if len(part) >= 2]


def binding_cycles(bindings: pd.DataFrame, bound: int) -> list[list[str]]:
    """Attribution cycles among distributors (open bindings), up to ``bound`` long. Every cycle
    lies inside one strongly connected component, so only the bindings inside components of
    two or more distributors (scipy, for the whole shop at once) go to networkx."""
    if bindings.empty:
        return []
    src = bindings["customer_id"].to_numpy(dtype=object)
    dst = bindings["distributor_id"].to_numpy(dtype=object)
    codes, ids = pd.factorize(np.concatenate([src, dst]))
    n, m = len(ids), len(src)
    graph = coo_matrix((np.ones(m, np.int8), (codes[:m], codes[m:])), shape=(n, n))
    _, comp = connected_components(graph, directed=True, connection="strong")
    size = np.bincount(comp)
    a, b = comp[codes[:m]], comp[codes[m:]]
    inside = (a == b) & (size[a] >= 2)
    g = nx.DiGraph()
    g.add_edges_from(zip(src[inside], dst[inside], strict=True))
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


def anchors(seed: Iterable[str], idx: Index) -> set[str]:
    """F-9: distributors outside the seed that at least half of its members, and at least two,
    are (or were) bound to."""
    members = set(seed)
    bound: dict[str, set[str]] = defaultdict(set)
    for c in members:
        for b in idx.bindings.get(c, []):
            if b["distributor_id"] not in members:
                bound[b["distributor_id"]].add(c)
    need = max(2, math.ceil(len(members) / 2))
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
def evaluate(
    members: set[str], idx: Index, params: Params, thresholds: Sequence[int], now: int
) -> Detected | None:
    """A group's score and evidence, or ``None`` when no commission flows inside it and it
    shows no burst or cycle either (F-9)."""
    inside = inside_fen(members, idx)
    # shared values among the members
    by_value: dict[tuple[str, str], list[tuple[str, Any]]] = defaultdict(list)
    k_of: dict[tuple[str, str], int] = {}
    for c in members:
        for kind, value, k, first in idx.shared.get(c, []):
            by_value[kind, value].append((c, first))
            k_of[kind, value] = k
    shared = [
        sig.Shared(kind, mask(kind, value), tuple(sorted(c for c, _ in cs)), k_of[kind, value])
        for (kind, value), cs in sorted(by_value.items())
        if len(cs) >= 2
    ]
    # who is bound to / paid by whom inside the group
    clients: dict[str, set[str]] = defaultdict(set)
    attribution = nx.DiGraph()
    edges: list[dict[str, str]] = []
    earned: dict[tuple[str, str], list[int]] = defaultdict(list)
    refunds: list[sig.Refund] = []
    bind_times: dict[str, list[int]] = defaultdict(list)
    for c in sorted(members):
        for b in idx.bindings.get(c, []):
            d = b["distributor_id"]
            if b["since"] is not None:
                bind_times[c].append(int(b["since"]))
            if d in members and d != c:
                clients[d].add(c)
                state = "open" if b["ended_at"] is None else "ended"
                edges.append(_edge(c, d, "bound_to", f"{state} binding"))
                if b["ended_at"] is None and idx.is_distributor(c):
                    attribution.add_edge(c, d)
        inv = idx.invited_by.get(c)
        if inv and inv["inviter_id"] in members:
            edges.append(_edge(c, inv["inviter_id"], "invited_by", "invited"))
        for o in idx.orders.get(c, []):
            paid_inside = False
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
    # bursts: joins and bindings of the accounts on each shared value
    events: dict[str, list[int]] = {}
    for s in shared:
        joins = [_int(idx.customers.get(c, {}).get("joined_at")) for c in s.members]
        events[f"{s.kind} {s.value} (joins)"] = [t for t in joins if t is not None]
        events[f"{s.kind} {s.value} (bindings)"] = [t for c in s.members for t in bind_times[c]]
    # threshold: the group's distributors' performance counters against the program's
    totals = {}
    for d in members:
        row = idx.distributor.get(d)
        if row:
            for metric in ("perf_received_fen", "perf_transaction_fen"):
                if row.get(metric):
                    totals[f"{d} ({metric.removeprefix('perf_')})"] = int(row[metric])
    found = [
        sig.shared_signals(shared),
        sig.self_dealing(shared, clients),
        sig.circular(attribution, bound=params.cycle_bound),
        sig.burst(events, window=params.burst_window, minimum=params.burst_minimum),
        sig.refund_after_settle(refunds, window=params.refund_window),
        sig.just_over_threshold(totals, thresholds, margin_bp=params.threshold_margin_bp),
        sig.commission_inside(inside),
    ]
    contributions = sorted((c for c in found if c is not None), key=lambda c: (-c.points, c.signal))
    if inside <= 0 and not {c.signal for c in contributions} & {"invite_burst", "circular"}:
        return None
    score = min(100, sum(c.points for c in contributions))
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
    thresholds: Sequence[int] = (),
    now: int = 0,
    step: Step | None = None,
    stats: Stats | None = None,
) -> list[Detected]:
    """Every ring of the shop ``source`` reads, highest score first (score >= min_score).
    ``step(name, fraction)`` reports progress."""
    import time

    params = params or Params()
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
    shared = shared[links(shared, params.min_link)].reset_index(drop=True)
    distributors = ById(source.distributors())
    dist_bindings = source.distributor_bindings()
    stats.shared_rows = len(shared)
    stats.shared_values = int(shared[["kind", "value"]].drop_duplicates().shape[0])
    lap("read the whole-shop projection", 0.3)
    comps = signal_components(shared)
    cyc = binding_cycles(dist_bindings, params.cycle_bound)
    seeds = merge([*comps, *cyc])
    stats.seeds, stats.cycles = len(seeds), len(cyc)
    lap("components and cycles", 0.4)
    ids = sorted({c for s in seeds for c in s})
    hood = source.neighbourhood(ids)
    idx = Index(hood, shared, distributors)
    extra = sorted({d for s in seeds for d in anchors(s, idx)} - set(ids))
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
        g = set(s) | anchors(s, idx)
        tied = set(ties(g, idx).nodes)
        if len(tied) < 2:
            continue
        if len(tied) > params.large:
            stats.split += 1
            groups.extend(p for p in louvain_parts(tied, idx, params.seed) if len(p) >= 2)
        else:
            groups.append(tied)
    stats.candidates = len(groups)
    found: dict[str, Detected] = {}
    for g in groups:
        ring = evaluate(g, idx, params, thresholds, now)
        if ring is not None and ring.score >= params.min_score:
            found.setdefault(ring.id, ring)
    stats.kept = len(found)
    lap("score", 1.0)
    return sorted(found.values(), key=lambda r: (-r.score, r.id))


def level_thresholds(settings: Any) -> list[int]:
    """The money thresholds a program pays for: level conditions in fen and ladder steps."""
    out: list[int] = []
    for lv in settings.levels:
        for name in ("received_fen", "transaction_fen"):
            v = getattr(lv.conditions, name, None)
            if v:
                out.append(int(v))
    for step in getattr(settings, "ladder", []) or []:
        for name in ("sales_fen", "threshold_fen", "min_sales_fen"):
            v = getattr(step, name, None)
            if v:
                out.append(int(v))
    return sorted(set(out))
