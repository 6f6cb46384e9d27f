"""The signals of R-6.3, each a pure function over one candidate group's plain values.

Each returns a :class:`Contribution` (the signal's name, the points it adds to the ring's
score and a sentence a reviewer can check) or ``None`` when the signal is absent. Points are
integers; a ring's score is their sum, capped at 100 (:mod:`teamgraph.fraud.score`).

- :func:`shared_signals` — identity values shared inside the group, weighted by rarity (F-8).
- :func:`self_dealing` — a distributor sharing a value with its own clients (R-6.3).
- :func:`circular` — cycles of attribution among distributors, up to a length bound (R-6.3).
- :func:`burst` — many joins or bindings on one signal value in a short window (R-6.3).
- :func:`refund_after_settle` — refunds soon after the rewards settled (R-6.3).
- :func:`just_over_threshold` — totals landing just over a level or ladder threshold (R-6.3).
- :func:`commission_inside` — how much commission flowed inside the group (R-6.2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from teamgraph.rules.money import yuan

KIND_WEIGHT = {"device": 1.0, "account": 1.0, "phone": 1.0, "address": 0.7, "ip": 0.5}
MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True)
class Contribution:
    """``detail`` is the English sentence (the API's, the HTML report's); ``facts`` the values
    it was made of, so the UI says it in its own language (issue 17)."""

    signal: str
    points: int
    detail: str
    facts: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "signal": self.signal,
            "points": self.points,
            "detail": self.detail,
            "facts": dict(self.facts),
        }


@dataclass(frozen=True)
class Shared:
    """One identity value shared inside a group: its kind, the (masked) value, the members
    seen with it, and ``k``, how many customers of the whole shop share it."""

    kind: str
    value: str
    members: tuple[str, ...]
    k: int


def rarity(kind: str, k: int) -> float:
    """F-8: a value shared by 2 customers says much, one shared by 50 little: the kind's
    weight times ``2 / (1 + log2 k)`` (1 at k = 2, 0.4 at k = 32)."""
    return KIND_WEIGHT.get(kind, 0.5) * 2.0 / (1.0 + math.log2(max(k, 2)))


def shared_signals(
    shared: Sequence[Shared], *, per_value: int = 8, cap: int = 25
) -> Contribution | None:
    """Rare identity values the group's members share (R-6.1, R-6.2)."""
    if not shared:
        return None
    total = sum(per_value * rarity(s.kind, s.k) for s in shared)
    points = min(cap, max(1, round(total)))
    kinds = sorted({s.kind for s in shared})
    biggest = max(shared, key=lambda s: len(s.members))
    return Contribution(
        "shared_signals",
        points,
        f"{len(shared)} identity value(s) shared inside the group ({', '.join(kinds)}); the "
        f"most shared: {_article(biggest.kind)} {biggest.kind} used by {len(biggest.members)} "
        "members",
        {
            "n": len(shared),
            "kinds": list(kinds),
            "kind": biggest.kind,
            "members": len(biggest.members),
        },
    )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


STRONG_KINDS = ("device", "account", "phone")
"""Values one person rarely shares with another; an address or an IP is a household's (F-8)."""


def self_dealing(
    shared: Sequence[Shared],
    clients: Mapping[str, set[str]],
    *,
    base: int = 20,
    per_account: int = 5,
    cap: int = 45,
) -> Contribution | None:
    """R-6.3: a distributor sharing an identity value with customers bound to it or paying it
    (``clients``: distributor -> those customers): the same person buying through other
    accounts. Through a device, payment account or phone it counts in full, through only an
    address or an IP (a household) half."""
    found: dict[str, set[str]] = {}
    kinds: dict[str, set[str]] = {}
    for s in shared:
        members = set(s.members)
        for d in members & clients.keys():
            accounts = (members - {d}) & clients[d]
            if accounts:
                found.setdefault(d, set()).update(accounts)
                kinds.setdefault(d, set()).add(s.kind)
    if not found:
        return None
    d, accounts = max(found.items(), key=lambda kv: (len(kv[1]), kv[0]))
    n = sum(len(a) for a in found.values())
    points = min(cap, base + per_account * (n - 1))
    if not any(k in STRONG_KINDS for ks in kinds.values() for k in ks):
        points //= 2
    return Contribution(
        "self_dealing",
        points,
        f"distributor {d} shares its {'/'.join(sorted(kinds[d]))} with {len(accounts)} of its "
        f"own clients ({', '.join(sorted(accounts)[:5])}{'…' if len(accounts) > 5 else ''})",
        {
            "distributor": d,
            "kinds": sorted(kinds[d]),
            "n": len(accounts),
            "accounts": sorted(accounts)[:5],
            "more": len(accounts) > 5,
        },
    )


def cycles(graph: nx.DiGraph, bound: int) -> list[list[str]]:
    """Attribution cycles of ``graph`` (an edge customer -> the distributor it is bound to) of
    length 2..``bound``, each rotated to start at its smallest id, sorted."""
    found = []
    for cycle in nx.simple_cycles(graph, length_bound=bound):
        if len(cycle) < 2:
            continue
        i = cycle.index(min(cycle))
        found.append([str(x) for x in cycle[i:] + cycle[:i]])
    return sorted(found)


def circular(graph: nx.DiGraph, *, bound: int = 6, points: int = 45) -> Contribution | None:
    """R-6.3: circular attribution — A bound to B and B to A, or longer, up to ``bound``."""
    found = cycles(graph, bound)
    if not found:
        return None
    longest = max(found, key=len)
    return Contribution(
        "circular",
        points,
        f"{len(found)} attribution cycle(s): {' → '.join([*longest, longest[0]])}",
        {"n": len(found), "path": [*longest, longest[0]]},
    )


def densest_window(times: Iterable[int], window: int) -> tuple[int, int]:
    """The most events inside any ``window`` ms (a sliding window), and when it starts."""
    ts = sorted(t for t in times if t is not None)
    best, start, j = 0, 0, 0
    for i, t in enumerate(ts):
        while ts[j] < t - window:
            j += 1
        if i - j + 1 > best:
            best, start = i - j + 1, ts[j]
    return best, start


def burst(
    events: Mapping[str, Sequence[int]],
    *,
    window: int = HOUR,
    minimum: int = 5,
    base: int = 30,
    cap: int = 45,
) -> Contribution | None:
    """R-6.3: bursts of joins or bindings from one signal — ``events`` maps a description of
    a signal value (``"device dev-12…ef"``) to the times accounts on it joined or were bound;
    ``minimum`` of them inside ``window`` is a burst."""
    best: tuple[int, int, str] | None = None
    for what, times in events.items():
        n, start = densest_window(times, window)
        if n >= minimum and (best is None or n > best[0]):
            best = (n, start, what)
    if best is None:
        return None
    n, _, what = best
    return Contribution(
        "invite_burst",
        min(cap, base + n - minimum),
        f"{n} accounts joined or were bound within {window // MINUTE} minutes on one {what}",
        {"n": n, "minutes": window // MINUTE, "what": what},
    )


@dataclass(frozen=True)
class Refund:
    order_id: str
    refunded_at: int
    settle_at: int | None


def refund_after_settle(
    refunds: Sequence[Refund],
    *,
    window: int = 3 * DAY,
    minimum: int = 2,
    base: int = 25,
    per_refund: int = 2,
    cap: int = 40,
) -> Contribution | None:
    """R-6.3: refunds soon after the rewards settled — the commission was taken, then the goods
    went back. ``refunds`` are of orders that paid the group's distributors."""
    soon = sorted(
        {
            r.order_id
            for r in refunds
            if r.settle_at is not None and 0 <= r.refunded_at - r.settle_at <= window
        }
    )
    if len(soon) < minimum:
        return None
    return Contribution(
        "refund_after_settle",
        min(cap, base + per_refund * (len(soon) - minimum)),
        f"{len(soon)} order(s) refunded within {window // DAY} days after their rewards "
        f"settled ({', '.join(soon[:4])}{'…' if len(soon) > 4 else ''})",
        {"n": len(soon), "days": window // DAY, "orders": soon[:4], "more": len(soon) > 4},
    )


def just_over(
    totals: Mapping[str, int], thresholds: Iterable[int], *, margin_bp: int = 300
) -> list[tuple[str, int, int]]:
    """``(who, total, threshold)`` for each total at or just over a threshold: within
    ``margin_bp`` basis points above it."""
    steps = sorted({t for t in thresholds if t and t > 0})
    out = []
    for who, total in sorted(totals.items()):
        for t in steps:
            if t <= total < t + t * margin_bp // 10_000:
                out.append((who, total, t))
                break
    return out


def just_over_threshold(
    totals: Mapping[str, int],
    thresholds: Iterable[int],
    *,
    margin_bp: int = 300,
    points: int = 15,
) -> Contribution | None:
    """R-6.3: amounts clustered just over a level or ladder threshold — a distributor's sales
    from the group that end within ``margin_bp`` above a threshold the program pays for."""
    hits = just_over(totals, thresholds, margin_bp=margin_bp)
    if not hits:
        return None
    who, total, t = hits[0]
    return Contribution(
        "threshold",
        points,
        f"{len(hits)} distributor(s) just over a threshold: {who} at ¥{yuan(total)}, "
        f"threshold ¥{yuan(t)}",
        {"n": len(hits), "who": who, "total_fen": total, "threshold_fen": t},
    )


def commission_inside(inside_fen: int, *, cap: int = 15) -> Contribution | None:
    """R-6.2: the commission paid inside the group (members earning from members' orders);
    points grow with its log: 100 yuan 10, 1,000 yuan 15."""
    if inside_fen <= 0:
        return None
    points = min(cap, max(1, round(5 * math.log10(1 + inside_fen / 100))))
    return Contribution(
        "commission_inside",
        points,
        f"¥{yuan(inside_fen)} of commission paid inside the group",
        {"inside_fen": inside_fen},
    )
