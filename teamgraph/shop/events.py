"""Webhook events: the catalogue of what the outbox records (issue 16).

Every change a mall can subscribe to writes one ``Event`` node in the SAME statement as the
change (an outbox in the graph), so an event exists exactly when its change happened; the
deliverer reads them and sends them signed. The node's contract, which the deliverer relies
on, is at the top of ``teamgraph/graph/queries/events.cypher``; docs/integration.md
"Webhook events" lists each type's fields.

:data:`EVENT_TYPES` names every type, in catalogue order; :data:`EVENT_DESCRIPTIONS` says in
one line when each is written. Webhook subscriptions are validated against these names.
"""

from __future__ import annotations

from typing import Any, Final

from teamgraph.graph import GraphStore

EVENT_DESCRIPTIONS: Final[dict[str, str]] = {
    "distributor.applied": "A customer applied to become a distributor.",
    "distributor.approved": "An application was approved (by a person or automatically).",
    "distributor.rejected": "An application was rejected.",
    "distributor.frozen": "A distributor was frozen by the merchant.",
    "distributor.unfrozen": "A frozen distributor was made active again.",
    "distributor.level_changed": "A distributor's level changed (raised or set by hand).",
    "customer.bound": "A customer without a binding was bound to a distributor.",
    "customer.unbound": "A customer's binding ended (unbound, expired or a mode switch).",
    "customer.rebound": "The merchant moved a customer's binding to another distributor.",
    "order.attributed": "An attributed order was recorded, with the rewards it earned.",
    "reward.settled": "A reward settled: its amount joined the distributor's withdrawable balance.",
    "reward.held": "A due reward was held instead of settled (frozen distributor or ring).",
    "reward.released": "A held reward was released and settled.",
    "reward.clawed_back": "A reward was clawed back by a refund.",
    "withdrawal.requested": "A distributor asked to withdraw part of the balance.",
    "withdrawal.approved": "A withdrawal was approved.",
    "withdrawal.rejected": "A withdrawal was rejected; its amount returned to the balance.",
    "withdrawal.paid": "A withdrawal was paid out.",
    "ring.detected": "The risk engine detected a suspected fraud ring.",
    "ring.frozen": "A ring was frozen: its distributor members' rewards are held (hold).",
    "ring.released": "A frozen ring was released; the rewards it held may settle.",
    "ring.reviewed": "An analyst marked a ring fraud or not fraud (or changed the verdict).",
    "adjustment.recorded": "The merchant credited or debited a distributor's ledger (R-3.12).",
}

EVENT_TYPES: Final[tuple[str, ...]] = tuple(EVENT_DESCRIPTIONS)
"""Every event type a webhook endpoint can subscribe to."""

EVENT_OBJECTS: Final[tuple[str, ...]] = (
    "distributor",
    "customer",
    "order",
    "reward",
    "withdrawal",
    "ring",
    "adjustment",
)
"""The kinds an event's ``object`` names."""


def list_events(
    store: GraphStore,
    *,
    type: str | None = None,
    key: str | None = None,
    limit: int = 10_000,
) -> list[dict[str, Any]]:
    """The shop's events (of one ``type`` or ``key`` if given) in delivery order, ``(at, id)``,
    each as its stored properties (``events.cypher``'s contract; the store's own scoping
    property, on Neo4j, left out)."""
    rows = store.read("event.list", type=type, key=key, limit=limit)
    out: list[dict[str, Any]] = []
    for row in rows:
        event = dict(row["event"])
        event.pop("shop", None)
        out.append(event)
    return out
