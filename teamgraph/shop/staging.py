"""A new shop assembled in memory, then written in one pass by the engine's bulk path.

:class:`StagedShop` stands in for a :class:`~teamgraph.shop.Shop` while the import loaders of
:data:`STAGED_KINDS` (``teamgraph.etl.kinds``) check and "write" the files of a shop that has
no graph yet: its ``bulk`` (:class:`StagedBulk`) answers the loaders' reads from what the
earlier files staged, and applies each of their writes to in-memory nodes and edges exactly as
the statement it replaces would apply it to the graph (each method names its statement: the
same MERGE / ON CREATE / coalesce rules, a null value leaving a property unset). The loaders'
checks, rejects and counts are therefore the ones of a normal load into an empty shop.

:meth:`StagedShop.commit` then sets the team counters as ``Shop.recount(apply=True)`` would
after such a load (the same ``rules.team.recount``, over the staged forest and bindings),
writes the staged graph with ``engine.bulk_create`` (FalkorDB's ``GRAPH.BULK``,
:mod:`teamgraph.graph.bulk`), creates the shop on it (``Shop.create``: schema, then the shop
node with its settings) and catches it up to the load's time, as that recount starts with.
The tests hold a shop loaded this way equal, node by node and property by property, to one
loaded file by file (E-11).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from teamgraph.graph import bulk as graph_bulk
from teamgraph.phones import PhoneKey
from teamgraph.rules import settings as rules_settings
from teamgraph.rules import share as rules_share
from teamgraph.rules import team as rules_team
from teamgraph.rules.settings import ProgramSettings
from teamgraph.shop.base import phone_digest
from teamgraph.shop.bulk import Member, SignalKind, Stored

if TYPE_CHECKING:
    from teamgraph.graph import Engine
    from teamgraph.shop import Shop

STAGED_KINDS: Final = ("distributors", "customers", "invitations", "bindings", "signals")
"""The import kinds a new shop stages (their loaders only read and write through ``bulk``);
products, orders and refunds are loaded afterwards into the created shop, as usual."""

SIGNAL_LABELS: Final[Mapping[SignalKind, str]] = {
    "device": "Device", "phone": "Phone", "address": "Address", "account": "Account", "ip": "IP",
}  # fmt: skip

Props = dict[str, Any]
_DISTRIBUTOR_ZEROES: Final = (
    "direct_clients", "indirect_clients", "invitees", "team_size", "perf_paid_orders",
    "perf_received_fen", "perf_transaction_fen", "perf_completed_orders",
)  # fmt: skip


def _coalesce(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _dedupe(rows: Iterable[Mapping[str, Any]], key: tuple[str, ...]) -> list[Mapping[str, Any]]:
    """As ``GraphStore.write_batch``: the last row per key, in first-seen order (the rows
    themselves: they are read, never changed)."""
    out: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        k = tuple([row[f] for f in key])
        out.pop(k, None)
        out[k] = row
    return list(out.values())


@dataclass(frozen=True)
class Committed:
    """What :meth:`StagedShop.commit` wrote: nodes and edges, and the shop it created."""

    nodes: int
    edges: int
    shop: Shop
    seconds: dict[str, float]
    """Wall clock of each step: ``counters`` (the team counters, in memory), ``graph`` (the
    staged nodes and edges numbered), ``bulk`` (encoded and sent by GRAPH.BULK), ``schema``
    (``Shop.create``: indexes, constraints, the shop node), ``catch-up``."""


class StagedBulk:
    """The ``shop.bulk`` of a :class:`StagedShop`: the loaders' reads and writes, in memory."""

    def __init__(self) -> None:
        self.members: dict[str, Props] = {}
        """Customers by id (distributors among them), their properties."""
        self.distributors: set[str] = set()
        self.invited: dict[tuple[str, str], Props] = {}
        """INVITED_BY edges by (invitee, inviter)."""
        self.bound: dict[tuple[str, str, int], Props] = {}
        """BOUND_TO edges by (customer, distributor, since)."""
        self.uses: dict[tuple[str, str, str], Props] = {}
        """USES edges by (signal label, customer, value); the signal nodes are their ends."""

    # -- reads (shop.bulk's, answered from what is staged) -------------------------------------
    def _is(self, what: Member, cid: str) -> bool:
        return cid in (self.members if what == "customer" else self.distributors)

    def existing(self, what: Member, ids: Iterable[str]) -> set[str]:
        return {i for i in ids if self._is(what, i)}

    def missing(self, what: Member, ids: Iterable[str]) -> set[str]:
        return {i for i in ids if not self._is(what, i)}

    def inviters(self) -> dict[str, str]:
        return {d: i for d, i in self.invited if d in self.distributors and i in self.distributors}

    def stored(self, what: Stored, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = set(ids)
        if what in ("customers", "members"):
            fields = ["name", "phone_hash", "phone_verified", "joined_at", "via", "groups"]
            out = []
            for cid in sorted(wanted & self.members.keys()):
                c = self.members[cid]
                row = {"id": cid, **{f: c.get(f) for f in fields}}
                if what == "customers":
                    labels = (
                        ["Customer", "Distributor"] if cid in self.distributors else ["Customer"]
                    )
                    row |= {"labels": labels} | {
                        f: c.get(f) for f in ("status", "level", "became_at", "code")
                    }
                out.append(row)
            return out
        if what == "bindings":
            edge_fields = ("expires_at", "ended_at", "end_reason", "source", "channel", "active")
            return [
                {"customer_id": c, "distributor_id": d, "since": since}
                | {f: b.get(f) for f in edge_fields}
                for (c, d, since), b in self.bound.items()
                if c in wanted
            ]
        if what == "signals":
            return [
                {"customer_id": c, "labels": [label], "value": value, **u}
                for (label, c, value), u in self.uses.items()
                if c in wanted
            ]
        return []  # products, orders, refunds: none before the shop exists

    # -- writes (each as the statement it stands for) ------------------------------------------
    def create_customers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """``etl.customers_create``."""
        rows = _dedupe(rows, ("id",))
        for row in rows:
            self.members[row["id"]] = {
                "id": row["id"], "name": row.get("name"), "phone_hash": row.get("phone_hash"),
                "phone_verified": _coalesce(row.get("phone_verified"), False),
                "joined_at": row.get("joined_at"), "via": row.get("via"),
                "groups": row.get("groups"),
            }  # fmt: skip
        return len(rows)

    def upsert_customers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """``etl.customers_upsert``: a value not given keeps what is stored."""
        rows = _dedupe(rows, ("id",))
        for row in rows:
            c = self.members.setdefault(row["id"], {"id": row["id"]})
            for f in ("name", "phone_hash", "joined_at", "via", "groups"):
                c[f] = _coalesce(row.get(f), c.get(f))
            c["phone_verified"] = _coalesce(
                row.get("phone_verified"), c.get("phone_verified"), False
            )
        return len(rows)

    def load_distributors(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """``Bulk.load_distributors``: ``distributor.create_batch`` for new members,
        ``distributor.upsert_batch`` for customers."""
        with_codes = [
            {"name": None, "joined_at": row.get("became_at"), **row,
             "code": row.get("code") or rules_share.share_code(row["id"])}
            for row in rows
        ]  # fmt: skip
        for row in _dedupe(with_codes, ("id",)):
            cid = row["id"]
            if cid not in self.members:  # MERGE ... ON CREATE SET name, joined_at
                self.members[cid] = {"id": cid, "name": row["name"], "joined_at": row["joined_at"]}
            c = self.members[cid]
            self.distributors.add(cid)
            c.update(level=row["level"], status=row["status"], became_at=row["became_at"],
                     application="approved", code=row["code"])  # fmt: skip
            c["last_active_at"] = _coalesce(c.get("last_active_at"), row["became_at"])
            for f in _DISTRIBUTOR_ZEROES:
                c[f] = _coalesce(c.get(f), 0)
            c["by_depth"] = _coalesce(c.get("by_depth"), [])
        return len(with_codes)

    def load_invitations(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """``invitation.create_batch``: MERGE of the edge, ``at`` on create."""
        n = 0
        for row in _dedupe(rows, ("id",)):
            me, up = row["id"], row["inviter_id"]
            if me in self.distributors and up in self.distributors:
                self.invited.setdefault((me, up), {"at": row.get("at")})
                n += 1
        return n

    def load_bindings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """``binding.create_batch``: MERGE of (customer)-[since]->(distributor)."""
        n = 0
        for row in _dedupe(rows, ("customer_id", "since")):
            c, d = row["customer_id"], row["distributor_id"]
            if c not in self.members or d not in self.distributors:
                continue
            ended = row.get("ended_at")
            self.bound.setdefault((c, d, row["since"]), {
                "since": row["since"], "source": row.get("source"),
                "channel": row.get("channel"), "expires_at": row.get("expires_at"),
                "due": row.get("expires_at") if ended is None else None,
                "active": ended is None, "ended_at": ended, "end_reason": row.get("end_reason"),
            })  # fmt: skip
            n += 1
        return n

    def update_bindings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """``etl.bindings_update``."""
        n = 0
        for row in _dedupe(rows, ("customer_id", "since")):
            b = self.bound.get((row["customer_id"], row["distributor_id"], row["since"]))
            if b is None:
                continue
            ended = row.get("ended_at")
            b.update(expires_at=row.get("expires_at"), ended_at=ended,
                     end_reason=row.get("end_reason"), source=row.get("source"),
                     channel=row.get("channel"), active=ended is None,
                     due=row.get("expires_at") if ended is None else None)  # fmt: skip
            n += 1
        return n

    def add_signals(self, kind: SignalKind, rows: Iterable[Mapping[str, Any]]) -> int:
        """``etl.signals_<kind>``: first_seen only moves earlier, last_seen only later."""
        label = SIGNAL_LABELS[kind]
        n = 0
        for row in _dedupe(rows, ("customer_id", "value")):
            if row["customer_id"] not in self.members:
                continue
            u = self.uses.setdefault((label, row["customer_id"], row["value"]), {
                "first_seen": None, "last_seen": None})  # fmt: skip
            first, last = row.get("first_seen"), row.get("last_seen")
            if u["first_seen"] is None or (first is not None and first < u["first_seen"]):
                u["first_seen"] = _coalesce(first, u["first_seen"])
            if u["last_seen"] is None or (last is not None and last > u["last_seen"]):
                u["last_seen"] = _coalesce(last, u["last_seen"])
            n += 1
        return n

    # -- the team counters ---------------------------------------------------------------------
    def count_teams(self) -> None:
        """Every distributor's team counters as ``Shop.recount(apply=True)`` sets them after a
        load (R-2.3): the same :func:`teamgraph.rules.team.recount` over the staged invitation
        forest (``team.edges``) and active bindings (``team.active_bindings``), written with the
        nodes instead of read back and applied after them."""
        direct: dict[str, int] = {}
        for (_, d, _), b in self.bound.items():
            if b["active"] is True:
                direct[d] = direct.get(d, 0) + 1
        truth = rules_team.recount(sorted(self.distributors), self.inviters().items(), direct)
        for did, counts in truth.items():
            self.members[did].update({k: v for k, v in counts.items() if k != "id"})

    # -- the graph -------------------------------------------------------------------------------
    def graph(self) -> tuple[list[graph_bulk.Nodes], list[graph_bulk.Edges]]:
        """The staged nodes and edges, for ``engine.bulk_create``."""
        number: dict[tuple[str, str], int] = {}
        nodes: list[graph_bulk.Nodes] = []

        def group(labels: tuple[str, ...], key: str, items: list[tuple[str, Props]]) -> None:
            base = len(number)
            for i, (node_id, _) in enumerate(items):
                number[(key, node_id)] = base + i
            nodes.append(graph_bulk.Nodes(labels, [props for _, props in items]))

        group(("Customer", "Distributor"), "Customer",
              [(i, c) for i, c in self.members.items() if i in self.distributors])  # fmt: skip
        group(("Customer",), "Customer",
              [(i, c) for i, c in self.members.items() if i not in self.distributors])  # fmt: skip
        for label in SIGNAL_LABELS.values():
            values = dict.fromkeys(v for (lb, _, v) in self.uses if lb == label)
            group((label,), label, [(v, {"id": v}) for v in values])
        edges = [
            graph_bulk.Edges("INVITED_BY", [
                (number[("Customer", d)], number[("Customer", i)], p)
                for (d, i), p in self.invited.items()
            ]),
            graph_bulk.Edges("BOUND_TO", [
                (number[("Customer", c)], number[("Customer", d)], p)
                for (c, d, _), p in self.bound.items()
            ]),
            graph_bulk.Edges("USES", [
                (number[("Customer", c)], number[(label, v)], p)
                for (label, c, v), p in self.uses.items()
            ]),
        ]  # fmt: skip
        return [n for n in nodes if n.rows], [e for e in edges if e.rows]


class StagedShop:
    """A shop that has no graph yet, staged in memory (see the module docstring)."""

    def __init__(
        self,
        shop_id: str,
        settings: Mapping[str, Any] | None = None,
        *,
        phones: PhoneKey | None = None,
    ) -> None:
        self.id = shop_id
        self.phones = phones
        """The key of the engine the shop will be written to (``Engine.phones``)."""
        self.initial = dict(settings or {})
        parsed = rules_settings.parse(dict(self.initial))
        self._settings = ProgramSettings.model_validate_json(parsed.model_dump_json())
        self.bulk = StagedBulk()

    def phone_digest(self, phone: str, *, field: str = "phone") -> str:
        """As ``Shop.phone_digest``, under the engine's key."""
        return phone_digest(self.phones, phone, field)

    def settings(self, *, now: int | None = None) -> ProgramSettings:
        """The settings the shop will be created with, in force at ``now``."""
        return self._settings if now is None else self._settings.effective(now)

    def commit(self, engine: Engine, *, now: int) -> Committed:
        """Count the teams, write the staged graph by the engine's bulk path, create the shop
        on it (schema, shop node) and catch it up to ``now``; returns what was written."""
        from teamgraph.shop import Shop

        clock = [time.perf_counter()]

        def lap() -> float:
            clock.append(time.perf_counter())
            return clock[-1] - clock[-2]

        self.bulk.count_teams()
        seconds = {"counters": lap()}
        nodes, edges = self.bulk.graph()
        seconds["graph"] = lap()
        made = engine.bulk_create(self.id, nodes, edges) if nodes else (0, 0)
        seconds["bulk"] = lap()
        shop = Shop.create(engine, self.id, self.initial, now=now)
        seconds["schema"] = lap()
        shop.catch_up(now)  # as the recount that ends a load starts with
        seconds["catch-up"] = lap()
        return Committed(made[0], made[1], shop, seconds)
