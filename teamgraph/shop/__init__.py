"""Shop: one shop's distribution program, the only place that combines rules and graph.

Every entry point (API, UI, ETL, CLI) calls a :class:`Shop`; it validates with
``teamgraph.rules``, reads and writes through the shop's :class:`~teamgraph.graph.GraphStore`,
and returns plain values. Time is an argument (epoch ms) defaulting to the clock, so tests can
move it.

``Shop`` joins one part per concern, each a subclass of :class:`~teamgraph.shop.base.ShopBase`
(the store, the clock, the settings and their catch-up, the distributor profile, the level
check): ``keys``, ``relationships`` (customers, visits, bindings, applications), ``team`` (team
views, progress, share links, counters), ``orders`` (products, orders, refunds), ``ledger``
(balances, the ladder bonus, withdrawals), ``team_reward`` (the monthly team reward), ``badges``
(derived on read), ``analytics`` (whole-shop figures), ``reports`` (the merchant's reports:
the funnel, channels and cohorts), ``risk`` (fraud rings), ``review``
(the analysts' verdicts on them and the detector's precision by them, issue 18), ``webhooks``
(webhook endpoints and their deliveries; the sending is ``shop.deliverer``), ``rekey`` (old
phone digests to keyed ones), ``personal_data`` (a customer's data exported or erased,
PIPL/GDPR), ``center`` (the distributor center's links and sessions, on top of ``keys``),
``audit`` (the audit log every decision writes, issue 16; who decided is an ``actors.Actor``),
``backoffice`` (the merchant's application queue, ledger adjustments and customer groups,
issue 17) and ``jobs`` (the runs of the scheduled jobs, issue 17; the scheduling is
``shop.scheduler``). Batch work (imports, the demo, exports) goes through ``shop.bulk``
(:mod:`teamgraph.shop.bulk`).

This package imports ``teamgraph.rules``, ``teamgraph.graph`` and ``teamgraph.fraud`` (the
detection library); only it reads or writes a shop's graph. Nothing it imports imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from teamgraph.clock import now_ms
from teamgraph.errors import Conflict, NotFound
from teamgraph.graph import Engine, GraphStore
from teamgraph.graph.store import check_shop_id
from teamgraph.rules import settings as rules_settings
from teamgraph.shop.actors import PROGRAM, Actor
from teamgraph.shop.analytics import Analytics
from teamgraph.shop.audit import Audit
from teamgraph.shop.backoffice import Backoffice
from teamgraph.shop.badges import Badges
from teamgraph.shop.bulk import Bulk
from teamgraph.shop.center import Center
from teamgraph.shop.center_pages import CenterPages
from teamgraph.shop.jobs import Jobs
from teamgraph.shop.keys import ROLES, Principal, Role, split_key
from teamgraph.shop.ledger import Ledger
from teamgraph.shop.orders import Orders
from teamgraph.shop.personal_data import PersonalData
from teamgraph.shop.products import Products
from teamgraph.shop.rekey import Rekey, RekeyReport
from teamgraph.shop.relationships import Relationships
from teamgraph.shop.reports import Reports
from teamgraph.shop.review import Review
from teamgraph.shop.risk import Risk, ScanResult
from teamgraph.shop.team import MAX_TREE_DEPTH, Team
from teamgraph.shop.team_reward import TeamRewards
from teamgraph.shop.webhooks import Webhooks

__all__ = [
    "MAX_TREE_DEPTH",
    "PROGRAM",
    "ROLES",
    "Actor",
    "Bulk",
    "Principal",
    "RekeyReport",
    "Role",
    "ScanResult",
    "Shop",
    "split_key",
]


class Shop(
    Center,
    CenterPages,
    Relationships,
    Team,
    Orders,
    Products,
    Ledger,
    TeamRewards,
    Badges,
    Analytics,
    Reports,
    Review,
    Risk,
    Rekey,
    Audit,
    Webhooks,
    PersonalData,
    Backoffice,
    Jobs,
):
    """One shop's program: open it (or create it) on an engine, then call its methods."""

    def __init__(self, store: GraphStore) -> None:
        super().__init__(store)
        self.bulk = Bulk(self)
        """The batch reads and writes of imports, the demo and exports."""

    # -- lifecycle ---------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        engine: Engine,
        shop_id: str,
        settings: Mapping[str, Any] | None = None,
        *,
        now: int | None = None,
    ) -> Shop:
        """Create the shop (idempotent): schema, then its node with initial settings.

        ``settings`` are validated and stored as they are; R-1.9 timing applies only to later
        changes (README "The CLI"). On an existing shop, given settings must equal the stored ones.
        """
        check_shop_id(shop_id)
        initial = rules_settings.parse(dict(settings or {}))
        store = engine.open(shop_id)
        store.setup_schema()
        row = store.write(
            "shop.ensure",
            id=shop_id,
            now=now if now is not None else now_ms(),
            settings=initial.model_dump_json(),
        )[0]
        if settings is not None and row["settings"] != initial.model_dump_json():
            raise Conflict(
                "shop.exists",
                f"shop {shop_id!r} exists with other settings; use PUT /v1/settings",
            )
        return cls(store)

    @classmethod
    def open(cls, engine: Engine, shop_id: str) -> Shop:
        store = engine.open(check_shop_id(shop_id))
        if not store.read("shop.get", id=shop_id):
            raise NotFound(
                "shop.not_found",
                f"no shop {shop_id!r}; create it first",
                params={"id": shop_id},
                field="shop",
            )
        return cls(store)
