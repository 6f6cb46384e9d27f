"""A customer's personal data (PIPL/GDPR, issue 16): the export of everything stored about one
customer, its erasure, and the retention of raw identity signals. docs/integration.md
"Personal data" is the integrator's guide; the choices, numbered as docs/choices.md has them:

- PD-1 The export is a read; its audit ``Change`` (``personal_data.export``) is one small write
  made just before the reads (``personal_data.log_export``), so no export is answered without
  its record, and an export that fails after it is still recorded as asked for.
- PD-2 Erasure pseudonymises, it does not delete. Removed: the customer's name and phone digest.
  Each identity signal value of the customer (device, phone digest, address, payment account,
  IP) becomes its keyed pseudonym (:meth:`teamgraph.phones.PhoneKey.pseudonym`, ``h:`` and
  an HMAC under the installation's secret) on the signal's node, **shared ones too**: a device
  two customers used is the erased customer's data as much as the other's. The ``USES`` ties
  and their first/last sightings stay, so fraud detection still sees that the accounts share a
  device (R-6.1, R-6.3) and rings and their evidence keep their meaning; equal values keep
  equal pseudonyms, so a new sighting of the same value ties to the same node
  (``etl.signals_*``). Withdrawal accounts are masked (last 4 characters, W-6), their holder
  names and body fingerprints removed.
- PD-3 What stays, and why: the customer's **id** (the merchant's own key for the customer, and
  the key every ledger entry, order and binding hangs on; the merchant holds the person behind
  it, teamgraph does not), every amount, status, count, level and relationship (bindings,
  invitations, orders, ledger entries: R-1.12 and R-3.12 keep them, and the tax and accounting
  duties of the merchant need them), the distributor's share code, the customer groups and the
  audit log. A frozen or released ring's evidence keeps the masked fragments (F-11) it was
  decided on; an open ring is rewritten by the next scan from the pseudonyms.
- PD-4 Retention (``signal_retention_days``, default ``None``: kept): at the catch-up, at most
  once a day per shop, each signal value whose every sighting is older than that many days
  takes its pseudonym as PD-2 does, its ties kept. Off by default because a merchant must
  choose how long fraud review needs the values; 365 is a sensible choice.
- PD-5 Erasure is refused (409 ``personal_data.payout_pending``) while a withdrawal of the
  customer is requested or approved: the bank transfer needs the full account and the holder's
  name. Pay or reject it, then erase.
- PD-6 Full withdrawal account numbers are kept only while a payout may need them: the
  transition to ``paid`` or ``rejected`` masks the stored account (``withdrawal.transition``);
  the bank file of approved withdrawals is the only place a full number is shown, besides the
  merchant's own view of a withdrawal awaiting payment.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Final

from teamgraph.errors import Conflict, NotFound
from teamgraph.rules import withdrawals as rules_withdrawals
from teamgraph.shop.base import ShopBase
from teamgraph.shop.keys import Actor
from teamgraph.shop.retention import SIGNAL_KINDS, pseudonym, signal_kind

_STORAGE: Final = frozenset({"shop"})
"""Properties that are storage, not data: Neo4j's shop scope (teamgraph.graph.scope)."""
_SECRETS: Final = _STORAGE | {"id", "session"}
"""A center link's or a key's secret digests: credentials, not the customer's data."""


def _plain(props: dict[str, Any] | None, leave_out: frozenset[str] = _STORAGE) -> dict[str, Any]:
    """``props`` as exported: every property but storage (and ``leave_out``)."""
    return {k: v for k, v in (props or {}).items() if k not in leave_out}


class PersonalData(ShopBase):
    """Part of Shop: a customer's personal data, exported or erased; signal retention."""

    def personal_data(
        self, customer_id: str, *, actor: Actor, now: int | None = None
    ) -> dict[str, Any]:
        """Everything stored about ``customer_id`` (PD-1), values as stored (times in epoch ms,
        withdrawal accounts masked, W-6). 404 ``customer.not_found``; the export is audited."""
        now = self._now(now)
        logged = self.store.write(
            "personal_data.log_export",
            id=customer_id,
            change_id=uuid.uuid4().hex,
            now=now,
            reason=None,
            **actor.params(),
        )
        if not logged:
            raise NotFound(
                "customer.not_found",
                f"no customer {customer_id}",
                params={"id": customer_id},
                field="id",
            )
        return self._export(customer_id)

    def _export(self, customer_id: str) -> dict[str, Any]:
        rows = self.store.read("personal_data.customer", id=customer_id)
        if not rows:
            raise NotFound(
                "customer.not_found",
                f"no customer {customer_id}",
                params={"id": customer_id},
                field="id",
            )
        customer = _plain(rows[0]["customer"])
        is_distributor = "Distributor" in rows[0]["labels"]
        read = self.store.read
        orders = [
            _plain(r["order_"])
            | {"placed": _plain(r["placed"]),
               "lines": sorted((_plain(x) for x in r["lines"] if x),
                               key=lambda x: x.get("idx") or 0),
               "refunds": sorted((_plain(x) for x in r["refunds"] if x),
                                 key=lambda x: (x.get("at") or 0, x.get("id")))}
            for r in read("personal_data.orders", id=customer_id)
        ]  # fmt: skip
        signals = [
            {"kind": signal_kind(r["labels"]), "value": r["signal"].get("id")}
            | {k: v for k, v in _plain(r["signal"]).items() if k != "id"}
            | {"uses": _plain(r["uses"])}
            for r in read("personal_data.signals", id=customer_id)
        ]
        invited = read("personal_data.invited_by", id=customer_id)
        out: dict[str, Any] = {
            "customer_id": customer_id,
            "customer": customer,
            "is_distributor": is_distributor,
            "bindings": [
                {"distributor_id": r["distributor_id"]} | _plain(r["binding"])
                for r in read("personal_data.bindings", id=customer_id)
            ],
            "shares": [
                {"distributor_id": r["distributor_id"]} | _plain(r["share"])
                for r in read("personal_data.shares", id=customer_id)
            ],
            "orders": orders,
            "signals": signals,
            "rings": [
                {"ring_id": r["ring_id"], "status": r["status"]} | _plain(r["membership"])
                for r in read("personal_data.rings", id=customer_id)
            ],
            "distributor": None,
            "changes": [_plain(r["change"]) for r in read("personal_data.changes", id=customer_id)],
            "access": {
                "center_links": [
                    _plain(r["link"], _SECRETS)
                    for r in read("personal_data.center_links", id=customer_id)
                ],
                "keys": [
                    _plain(r["key"], _SECRETS) for r in read("personal_data.keys", id=customer_id)
                ],
            },
        }
        if is_distributor or invited:
            entries = []
            for r in read("personal_data.entries", id=customer_id):
                entry = _plain(r["entry"]) | {"to": _plain(r["to"])}
                if entry.get("account") is not None:
                    entry["account"] = rules_withdrawals.mask_account(entry["account"])
                entries.append(entry)
            out["distributor"] = {
                "invited_by": [{"inviter_id": r["inviter_id"]} | _plain(r["invitation"])
                               for r in invited],
                "invitees": customer.get("invitees") or 0,
                "entries": entries,
                "withdrawals": [e for e in entries if e.get("kind") == "withdrawal"],
            }  # fmt: skip
        return out

    def erase_personal_data(
        self, customer_id: str, *, reason: str, actor: Actor, now: int | None = None
    ) -> dict[str, Any]:
        """PD-2..PD-5: pseudonymise the customer's personal fields in one statement with its
        audit ``Change``; answers what was changed. 404 ``customer.not_found`` (nothing
        written), 409 ``personal_data.payout_pending`` while a withdrawal awaits its payout."""
        now = self._now(now)
        for _ in range(3):  # a signal linked between the read and the write: erase it too
            raw = self.store.read("personal_data.raw_signals", id=customer_id)
            signals = [
                {"kind": label, "value": r["value"],
                 "pseudonym": pseudonym(self.store.phones, SIGNAL_KINDS[label], r["value"])}
                for r in raw
                for label in r["labels"]
                if label in SIGNAL_KINDS
            ]  # fmt: skip
            rows = self.store.write(
                "personal_data.erase",
                id=customer_id,
                signals=signals,
                change_id=uuid.uuid4().hex,
                now=now,
                reason=reason,
                after=json.dumps({"signals": len(signals)}),
                **actor.params(),
            )
            if not rows:
                if not self.store.read("personal_data.customer", id=customer_id):
                    raise NotFound(
                        "customer.not_found",
                        f"no customer {customer_id}",
                        params={"id": customer_id},
                        field="id",
                    )
                pending = self.store.read("personal_data.pending_payouts", id=customer_id)
                raise Conflict(
                    "personal_data.payout_pending",
                    f"{customer_id} has withdrawals awaiting payout "
                    f"({', '.join(p['id'] for p in pending[:5])}): pay or reject them first; "
                    "the bank transfer needs the account",
                    field="id",
                )
            if not self.store.read("personal_data.raw_signals", id=customer_id):
                break
        return {
            "customer_id": customer_id,
            "erased_at": now,
            "signals_pseudonymised": rows[0]["signals"],
            "withdrawals_masked": rows[0]["withdrawals"],
        }
