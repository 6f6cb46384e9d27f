"""The signals of R-6.3, each a pure function over one candidate group's plain values.

Each returns a :class:`Contribution` (the signal's name, the points it adds to the ring's
score and a sentence a reviewer can check) or ``None`` when the signal is absent. Points are
integers; a ring's score is their sum, capped at 100 (:mod:`teamgraph.fraud.score`).

- :func:`shared_signals` — identity values shared inside the group, weighted by rarity (F-8).
- :func:`self_dealing` — a distributor sharing a value with its own clients (R-6.3).
- :func:`circular` — cycles of attribution among distributors, of any length (R-6.3).
- :func:`carousel` — commission going round: buyers paying the next distributor of a loop
  closed by identity values, through at least two payees (R-6.2, issue 18).
- :func:`burst` — many joins or bindings on one signal value, or to one distributor, far
  denser than the shop's own baseline for that kind of value, or the distributor's own
  (R-6.3, F-15).
- :func:`refund_after_settle` — refunds soon after the rewards settled, "soon" being the shop's
  own settle window (R-6.3, F-16).
- :func:`just_over_threshold` — totals landing just over a level or ladder threshold, money or
  counts (R-6.3).
- :func:`commission_inside` — how much commission flowed inside the group (R-6.2).
- :func:`inside_share` and :func:`outside_clients` — how much of the members' business is the
  group itself: a ring lives on its own orders, an honest family or office is a small part of
  its distributor's trade (F-17).
- :func:`household` — a group tied by nothing that names one person (only an address, an IP,
  a family device) and showing no fraud shape is a family or an office: held under the flag
  line (F-17).
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


STRONG_KINDS = ("account", "phone")
"""Values that name one person: a payment account, a phone. A device is a family's as often
(the family tablet), an address or an IP a household's or an office's (F-8, F-17)."""
CROWDED_DEVICE = 3
"""A device a distributor shares with this many of its own clients or more is not a family's
tablet (F-17)."""


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
    accounts. Through a payment account or a phone, or a device shared with at least
    :data:`CROWDED_DEVICE` of its clients, it counts in full; through a device alone (a
    family's tablet), an address or an IP (a household, an office) half (F-8, F-17)."""
    found: dict[str, set[str]] = {}
    kinds: dict[str, set[str]] = {}
    strong = False
    for s in shared:
        members = set(s.members)
        for d in members & clients.keys():
            accounts = (members - {d}) & clients[d]
            if accounts:
                found.setdefault(d, set()).update(accounts)
                kinds.setdefault(d, set()).add(s.kind)
                strong |= s.kind in STRONG_KINDS or (
                    s.kind == "device" and len(accounts) >= CROWDED_DEVICE
                )
    if not found:
        return None
    d, accounts = max(found.items(), key=lambda kv: (len(kv[1]), kv[0]))
    n = sum(len(a) for a in found.values())
    points = min(cap, base + per_account * (n - 1))
    if not strong:
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


def cycles(graph: nx.DiGraph, bound: int | None = None) -> list[list[str]]:
    """Attribution cycles of ``graph`` (an edge customer -> the distributor it is bound to):
    one per strongly connected component of two or more, whatever its length (issue 18: a
    bounded search missed a cycle of 7), each rotated to start at its smallest id, sorted. An
    open binding is one per customer, so a component of such edges is one simple cycle; where
    it is not (bindings of other kinds), the cycle shown is the one through its smallest id.
    ``bound``, when given, drops longer cycles (kept for the tests of the bounded search)."""
    found = []
    for comp in nx.strongly_connected_components(graph):
        if len(comp) < 2:
            continue
        start = min(comp, key=str)
        sub = graph.subgraph(comp)
        path = [u for u, _ in nx.find_cycle(sub, source=start)]
        if bound is not None and len(path) > bound:
            continue
        i = path.index(min(path, key=str))
        found.append([str(x) for x in path[i:] + path[:i]])
    return sorted(found)


def circular(graph: nx.DiGraph, *, points: int = 45) -> Contribution | None:
    """R-6.3: circular attribution — A bound to B and B to A, or longer, of any length."""
    found = cycles(graph)
    if not found:
        return None
    longest = max(found, key=len)
    return Contribution(
        "circular",
        points,
        f"{len(found)} attribution cycle(s): {' → '.join([*longest, longest[0]])}",
        {"n": len(found), "path": [*longest, longest[0]]},
    )


def carousel(
    flows: nx.DiGraph,
    *,
    minimum: int = 2,
    base: int = 30,
    per_payee: int = 5,
    cap: int = 45,
) -> Contribution | None:
    """Commission going round (issue 18): ``flows`` holds an edge buyer -> the distributor
    its order paid, and both ways between members sharing an identity value. A strongly
    connected part with at least ``minimum`` distinct payees is money that leaves a person
    through one distributor and comes back to that person's own accounts through another:
    A1's alt buys through A2, A2's alt through A3, … and the last one's through A1. One payee
    alone (a mother's children buying through her on the family tablet) is not a carousel;
    that is self-dealing's question."""
    best: tuple[int, list[str]] | None = None
    for comp in nx.strongly_connected_components(flows):
        if len(comp) < 3:
            continue
        sub = flows.subgraph(comp)
        payees = sorted({v for u, v, d in sub.edges(data=True) if d.get("paid")})
        if len(payees) >= minimum and (best is None or len(payees) > best[0]):
            best = (len(payees), payees)
    if best is None:
        return None
    n, payees = best
    return Contribution(
        "carousel",
        min(cap, base + per_payee * (n - minimum)),
        f"commission goes round {n} distributors ({', '.join(payees[:5])}"
        f"{'…' if n > 5 else ''}): each is paid by accounts tied to another of them",
        {"n": n, "payees": payees[:5], "more": n > 5},
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


WINDOWS = (10 * MINUTE, HOUR, 6 * HOUR, DAY, 3 * DAY)
"""The windows a burst is looked for in: ten minutes to three days (issue 18: 15 accounts on one
device over two days are a burst as much as within an hour)."""


@dataclass(frozen=True)
class Events:
    """The times accounts joined or were bound through one source (a signal value, or one
    distributor), and ``usual``: per window, how many an ordinary source of the same kind
    reaches in it (the shop's own baseline, F-15)."""

    what: str
    times: Sequence[int]
    usual: Mapping[int, float]
    minimum: int | None = None  # this source's own least burst, else the burst()'s


def burst(
    events: Iterable[Events],
    *,
    windows: Sequence[int] = WINDOWS,
    minimum: int = 5,
    ratio: float = 3.0,
    base: int = 30,
    cap: int = 45,
) -> Contribution | None:
    """R-6.3: bursts of joins or bindings — a source whose accounts arrived at least
    ``minimum`` inside one of ``windows`` and at least ``ratio`` times what an ordinary source
    of its kind reaches in that window (F-15). The densest burst over its usual count wins."""
    best: tuple[float, int, int, str] | None = None
    for ev in events:
        least = minimum if ev.minimum is None else ev.minimum
        for window in windows:
            n, _ = densest_window(ev.times, window)
            usual = max(1.0, float(ev.usual.get(window, 1.0)))
            if n >= least and n >= ratio * usual:
                key = (n / usual, n, window, ev.what)
                if best is None or key[:2] > best[:2]:
                    best = key
    if best is None:
        return None
    _, n, window, what = best
    minutes = window // MINUTE
    return Contribution(
        "invite_burst",
        min(cap, base + max(0, n - minimum)),
        f"{n} accounts joined or were bound within {_span(window)} on one {what}",
        {"n": n, "minutes": minutes, "what": what},
    )


def _span(window: int) -> str:
    if window >= DAY:
        return f"{window // DAY} day(s)"
    if window >= HOUR:
        return f"{window // HOUR} hour(s)"
    return f"{window // MINUTE} minutes"


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
    went back. ``refunds`` are of orders that paid the group's distributors; ``window`` is the
    shop's own settle window (F-16): a refund within as long after settlement as the
    after-sale period itself lasted is one the after-sale period should have caught."""
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
        f"{len(soon)} order(s) refunded within {_span(window)} after their rewards "
        f"settled ({', '.join(soon[:4])}{'…' if len(soon) > 4 else ''})",
        {"n": len(soon), "days": window // DAY, "orders": soon[:4], "more": len(soon) > 4},
    )


def just_over(
    totals: Mapping[str, int], thresholds: Iterable[int], *, margin_bp: int = 300, least: int = 1
) -> list[tuple[str, int, int]]:
    """``(who, total, threshold)`` for each total at or just over a threshold: within
    ``margin_bp`` basis points above it, and at least ``least`` units (a count of 30 or 31 is
    just over a threshold of 30 with ``least`` 2)."""
    steps = sorted({t for t in thresholds if t and t > 0})
    out = []
    for who, total in sorted(totals.items()):
        for t in steps:
            if t <= total < t + max(least, t * margin_bp // 10_000):
                out.append((who, total, t))
                break
    return out


MONEY_METRICS = frozenset({"received_fen", "transaction_fen", "sales_fen"})


def just_over_threshold(
    totals: Mapping[str, Mapping[str, int]],
    thresholds: Mapping[str, Iterable[int]],
    *,
    margin_bp: int = 300,
    count_margin_bp: int = 1_000,
    points: int = 15,
) -> Contribution | None:
    """R-6.3: amounts or counts clustered just over a level or ladder threshold — a
    distributor's counter (``totals``: metric -> distributor -> value) that ends within
    ``margin_bp`` above one of the money thresholds the program pays for in that metric, or
    within ``count_margin_bp`` and at least 2 above a count (``thresholds``: metric -> values;
    counts included, issue 18: 31 bound customers against a condition of 30)."""
    hits = [
        (metric, who, total, t)
        for metric in sorted(totals)
        for who, total, t in just_over(
            totals[metric],
            thresholds.get(metric, ()),
            margin_bp=margin_bp if metric in MONEY_METRICS else count_margin_bp,
            least=1 if metric in MONEY_METRICS else 2,
        )
    ]
    if not hits:
        return None
    metric, who, total, t = hits[0]
    money = metric in MONEY_METRICS
    shown = (f"¥{yuan(total)}", f"¥{yuan(t)}") if money else (str(total), str(t))
    return Contribution(
        "threshold",
        points,
        f"{len(hits)} distributor(s) just over a threshold: {who} at {shown[0]} "
        f"({metric}), threshold {shown[1]}",
        {"n": len(hits), "who": who, "metric": metric, "total": total, "threshold": t,
         "money": money},
    )  # fmt: skip


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


def inside_share(
    inside_sales: int,
    sales: int,
    buyers: int,
    *,
    least_bp: int = 5_000,
    least_buyers: int = 3,
    cap: int = 20,
) -> Contribution | None:
    """F-17: the share of the member distributors' distribution sales that are the members'
    own orders, when at least ``least_buyers`` members bought inside. A ring lives on itself
    (the alts are the distributor's trade); at least ``least_bp`` of it adds points in
    proportion. A new distributor whose one client is her husband is 100% inside too, which
    is why one or two buyers are not enough."""
    if sales <= 0 or inside_sales <= 0 or buyers < least_buyers:
        return None
    share_bp = min(10_000, inside_sales * 10_000 // sales)
    if share_bp < least_bp:
        return None
    return Contribution(
        "inside_share",
        cap * share_bp // 10_000,
        f"{share_bp // 100}% of the member distributors' sales are orders of the group's own "
        "members",
        {"share_bp": share_bp},
    )


def outside_clients(
    outside: Mapping[str, int],
    inside_sales: int,
    sales: int,
    *,
    least: int = 5,
    most_bp: int = 5_000,
    points: int = -15,
) -> Contribution | None:
    """F-17: member distributors who also serve ordinary clients outside the group
    (``outside``: distributor -> how many clients it has that are not members), while the
    group is less than ``most_bp`` of their sales: a family or an office buying from one of
    their own who has a trade of her own. Takes points off."""
    if sales <= 0:
        return None
    share_bp = min(10_000, max(0, inside_sales) * 10_000 // sales)
    who = {d: n for d, n in outside.items() if n >= least}
    if not who or share_bp >= most_bp:
        return None
    d, n = max(who.items(), key=lambda kv: (kv[1], kv[0]))
    return Contribution(
        "outside_clients",
        points,
        f"distributor {d} also serves {n} clients outside the group, which is {share_bp // 100}% "
        "of its members' sales",
        {"distributor": d, "n": n, "share_bp": share_bp},
    )


def household(subtotal: int, *, cap: int = 35) -> list[Contribution]:
    """F-17: a group whose members share only what a household or an office shares (an
    address, an IP, a family device), no payment account or phone, and shows none of the
    shapes no family makes (a cycle, a carousel, a burst, refunds after settlement), is a
    family or an office buying from one of its own: its score is held at ``cap``, under the
    flag line, whatever its money says. Returns the contribution that takes the excess off, or
    none when there is none."""
    if subtotal <= cap:
        return []
    return [
        Contribution(
            "household",
            cap - subtotal,
            "the members share only what a household or an office shares (an address, an IP, "
            f"a family device): held at {cap} points",
            {"cap": cap},
        )
    ]
