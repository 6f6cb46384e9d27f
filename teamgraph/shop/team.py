"""Team views of a :class:`~teamgraph.shop.Shop` (R-2.3, R-4.4): a distributor's team, clients,
invitees and tree, its progress toward the next level, its share link, and the check (and
repair) of the team counters kept on the nodes."""

from __future__ import annotations

from typing import Any, Literal

from teamgraph.clock import now_ms
from teamgraph.errors import ValidationError
from teamgraph.qr import qr_svg
from teamgraph.rules import binding as rules_binding
from teamgraph.rules import levels as rules_levels
from teamgraph.rules import share as rules_share
from teamgraph.rules import team as rules_team
from teamgraph.rules.settings import ProgramSettings
from teamgraph.shop import cursors
from teamgraph.shop.base import ShopBase, level_values

MAX_TREE_DEPTH = 15


class Team(ShopBase):
    """Part of Shop: read from the counters kept on the distributor nodes."""

    def team(self, distributor_id: str, *, now: int | None = None) -> dict[str, Any]:
        """R-2.3, read from the counters kept on the node (no walk of the team)."""
        d = self.distributor(distributor_id, now=now)
        return {
            "distributor_id": distributor_id,
            "direct_clients": d["direct_clients"],
            "indirect_clients": d["indirect_clients"],
            "invitees": d["invitees"],
            "team_size": d["team_size"],
            "by_depth": d["by_depth"],
        }

    def clients(
        self,
        distributor_id: str,
        kind: Literal["direct", "indirect"] = "direct",
        *,
        limit: int = 50,
        cursor: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        (after,) = cursors.decode("clients", cursor, str) or ("",)
        now = self._now(now)
        self.distributor(distributor_id, now=now)
        return _page(
            "clients",
            self.store.read(
                f"team.{kind}_clients", id=distributor_id, after=after, now=now, limit=limit + 1
            ),
            limit,
        )

    def invitees(
        self,
        distributor_id: str,
        *,
        limit: int = 50,
        cursor: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        (after,) = cursors.decode("invitees", cursor, str) or ("",)
        now = self._now(now)
        settings = self.catch_up(now)
        self._profile(distributor_id, settings, now)
        rows = self.store.read("team.invitees", id=distributor_id, after=after, limit=limit + 1)
        return _page("invitees", self.status_as_read(rows, settings, now), limit)

    @staticmethod
    def status_as_read(
        rows: list[dict[str, Any]], settings: ProgramSettings, now: int
    ) -> list[dict[str, Any]]:
        """R-2.1: the status as read (dormant computed) for listed distributors."""
        for row in rows:
            row["status"] = rules_binding.status_at(
                row["status"], row.pop("last_active_at", None), settings, now
            )
        return rows

    def tree(self, distributor_id: str, *, depth: int = 3, limit: int = 2000) -> dict[str, Any]:
        """The team below a distributor to ``depth`` (1–15) levels, at most ``limit`` nodes."""
        if not 1 <= depth <= MAX_TREE_DEPTH:
            raise ValidationError("tree.depth", f"depth is 1..{MAX_TREE_DEPTH}", field="depth")
        now = now_ms()
        settings = self.catch_up(now)
        root = self._profile(distributor_id, settings, now)
        nodes = self.status_as_read(
            self.store.read("team.tree", id=distributor_id, depth=depth, limit=limit + 1),
            settings,
            now,
        )
        return {
            "root": root,
            "depth": depth,
            "nodes": nodes[:limit],
            "truncated": len(nodes) > limit,
        }

    def progress(self, distributor_id: str, *, now: int | None = None) -> dict[str, Any]:
        """R-4.4: progress toward the next level, per condition. A read changes nothing: levels
        move when counters do (R-4.3) or by hand (L-5)."""
        now = self._now(now)
        settings = self.catch_up(now)
        d = self._profile(distributor_id, settings, now)
        out = rules_levels.progress(settings.levels, level_values(d), d["level"]).to_dict()
        out["shown"] = rules_levels.shown(settings.levels)
        return out

    def share(
        self, distributor_id: str, *, product_id: str | None = None, channel: str | None = None
    ) -> dict[str, Any]:
        """推广链接 / 推广码: the distributor's stable code, its link and QR codes."""
        d = self.distributor(distributor_id)
        settings = self.settings()
        link = rules_share.share_link(settings.share_base_url, d["code"], product_id, channel)
        return {
            "distributor_id": distributor_id,
            "code": d["code"],
            "link": link,
            "product_id": product_id,
            "channel": channel,
            "qr_svg": qr_svg(link),
        }

    def recount(self, *, apply: bool = False, now: int | None = None) -> list[dict[str, Any]]:
        """The team counters recomputed from the relationships (R-2.3): the check of what the
        incremental updates keep, and with ``apply`` their repair (after bulk loads). Returns
        the distributors whose stored counters differ."""
        self.catch_up(now)
        stored = {r["id"]: r for r in self.store.read("team.counters")}
        direct = {r["id"]: r["n"] for r in self.store.read("team.active_bindings")}
        truth = rules_team.recount(
            list(stored),
            [(r["id"], r["inviter_id"]) for r in self.store.read("team.edges")],
            direct,
        )
        fields = ("direct_clients", "indirect_clients", "invitees", "team_size", "by_depth")
        wrong = [
            want | {"stored": {f: stored[did][f] for f in fields}}
            for did, want in truth.items()
            if any(stored[did][f] != want[f] for f in fields)
        ]
        if apply and wrong:
            self.store.write_batch(
                "team.apply_counts", [{k: v for k, v in w.items() if k != "stored"} for w in wrong]
            )
        return wrong

    def counts(self) -> dict[str, int]:
        """How many customers, distributors and orders the shop holds (the overview)."""
        return self.store.read("shop.counts")[0]


def _page(kind: str, rows: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """A page of list ``kind`` (rows read by id, one more than ``limit``)."""
    items = rows[:limit]
    more = len(rows) > limit and items
    return {"items": items, "next_cursor": cursors.encode(kind, items[-1]["id"]) if more else None}
