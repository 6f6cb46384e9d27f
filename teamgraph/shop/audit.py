"""The audit log (issue 16): reading the ``Change`` nodes every decision writes.

Each decision by a person, a key or the program (settings changes, approvals and rejections,
freezes, manual levels, rebinding and unbinding, withdrawal reviews, ring freezes and releases,
key changes, and what other parts of the program audit: webhooks, personal-data requests) writes
one ``Change`` in the statement that makes it: ``id``, ``at``, ``action`` (``<kind>.<verb>``),
``actor`` (a key's name, or the program's word such as ``auto``), ``actor_key`` (the key's
public id, none for the program), ``object`` and ``object_id``, ``reason``, ``before`` and
``after``. :meth:`Audit.audit_log` reads them, newest first, whatever wrote them.
"""

from __future__ import annotations

from typing import Any

from teamgraph.shop import cursors
from teamgraph.shop.base import ShopBase

AUDIT_CURSOR = "audit"


class Audit(ShopBase):
    """Part of Shop: its audit log."""

    def audit_log(
        self,
        *,
        actor: str | None = None,
        kind: str | None = None,
        object_id: str | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """A page of the audit log, newest first: the Changes made by the key ``actor`` (its
        public id), of ``kind`` (an action such as ``key.revoke`` or an object kind such as
        ``withdrawal``), about ``object_id``, in ``[start, end)`` (epoch ms); each filter
        optional. ``next_cursor`` names the next page."""
        after = cursors.decode(AUDIT_CURSOR, cursor, int, str)
        rows = self.store.read(
            "audit.list",
            actor=actor,
            kind=kind,
            object=object_id,
            **{"from": start},
            to=end,
            after_at=None if after is None else after[0],
            after_id=None if after is None else after[1],
            limit=limit + 1,
        )
        items = rows[:limit]
        more = len(rows) > limit
        return {
            "items": items,
            "next_cursor": cursors.encode(AUDIT_CURSOR, items[-1]["at"], items[-1]["id"])
            if more
            else None,
        }
