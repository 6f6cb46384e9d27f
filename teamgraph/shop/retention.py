"""Identity signal values (R-6.1) and their keyed pseudonyms (docs/choices.md PD-2, PD-4): the
kinds, the pseudonym of a value, and the retention pass the catch-up runs
(:meth:`teamgraph.shop.base.ShopBase.catch_up`): each value whose every sighting is older than
the shop's ``signal_retention_days`` takes its pseudonym, its ties to customers kept, so fraud
detection still sees who shares what. At most one pass a day per shop, recorded on the shop's
node (``signals_pruned_at``), so it costs the catch-up nothing on the other days."""

from __future__ import annotations

from typing import Final

from teamgraph.errors import EngineError
from teamgraph.graph import GraphStore
from teamgraph.phones import PSEUDONYM, PhoneKey
from teamgraph.rules.settings import ProgramSettings

DAY_MS: Final = 86_400_000
SIGNAL_KINDS: Final = {"Device": "device", "Phone": "phone", "Address": "address",
                       "Account": "account", "IP": "ip"}  # fmt: skip
"""The signal labels (R-6.1) and the kind each is called by (teamgraph.fraud, imports)."""
PRUNE_EVERY_MS: Final = DAY_MS
"""PD-4: how often the retention pass runs per shop."""
PRUNE_BATCH: Final = 5_000
"""Stale values pseudonymised per pass; a bigger backlog is worked off pass after pass (the
pass is then recorded a day early, so the next catch-up runs the next one)."""


def signal_kind(labels: list[str]) -> str:
    """The kind of a signal node from its labels."""
    for label in labels:
        if label in SIGNAL_KINDS:
            return SIGNAL_KINDS[label]
    raise ValueError(f"not a signal node: {labels}")


def pseudonym(key: PhoneKey | None, kind: str, value: str) -> str:
    """PD-2: the keyed pseudonym of a signal value (an already pseudonymised one is kept)."""
    if value.startswith(PSEUDONYM):
        return value
    if key is None:
        raise EngineError(
            "phone.no_key", "this process has no phone key (engines come from graph.connect)"
        )
    return key.pseudonym(kind, value)


def prune_due(
    store: GraphStore, settings: ProgramSettings, last_pruned: int | None, now: int
) -> int | None:
    """PD-4: pseudonymise the values not seen for ``signal_retention_days`` when the shop's
    last pass (``last_pruned``) is a day old; how many, or None when not due (or another
    process ran it meanwhile)."""
    days = settings.signal_retention_days
    if days is None or (last_pruned is not None and now - last_pruned < PRUNE_EVERY_MS):
        return None
    stale = store.read("signals.stale", cutoff=now - days * DAY_MS, limit=PRUNE_BATCH)
    rows = [
        {"customer_id": r["customer_id"], "kind": label, "value": r["value"],
         "pseudonym": pseudonym(store.phones, SIGNAL_KINDS[label], r["value"])}
        for r in stale
        for label in r["labels"]
        if label in SIGNAL_KINDS
    ]  # fmt: skip
    done = store.write(
        "signals.prune",
        shop_id=store.shop,
        last_pruned=last_pruned or 0,
        mark=now if len(stale) < PRUNE_BATCH else now - PRUNE_EVERY_MS,
        rows=rows,
        now=now,
    )
    return int(done[0]["pruned"]) if done else None
