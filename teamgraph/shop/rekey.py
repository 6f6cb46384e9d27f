"""Re-keying a shop's phones (docs/choices.md P-4): from the old, unkeyed digests to keyed ones.

Before keyed digests (P-2), a phone was kept as the SHA-256 of its text as written, which
anyone can turn back into the number by trying every number. Those digests cannot be made
keyed digests as they are: the key applies to the number, which only its text gives.
:meth:`Rekey.rekey_phones` therefore does two things in one pass:

- **re-key** every old digest that one of the given texts (the files the shop was imported
  from, its shop system's user export) hashes to the old way: its keyed digest replaces it, on
  the customers (``phone_hash``) and on the phone signals (each link moved to the keyed
  ``Phone`` node, first and last seen kept, the old node deleted). Texts written differently
  that are one number (``17300000001`` and ``+86 17300000001``) end on one digest, so they
  now link, with each other and with phones stored since;
- **seal** every other old digest: keyed as it is (``legacy:…``, :meth:`PhoneKey.seal`), so
  it can no longer be turned back into its number, while equal old digests stay equal (old
  accounts sharing a phone stay linked). A sealed digest is re-keyed by a later run that is
  given its number.

Nothing is written without ``apply``; the report says what was or would be done. A second run
changes nothing unless it is given numbers of sealed digests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from teamgraph import phones
from teamgraph.errors import EngineError, ValidationError
from teamgraph.phones import PhoneKey
from teamgraph.shop.base import ShopBase
from teamgraph.shop.retention import pseudonym

_Row = dict[str, Any]
BATCH = 2_000
"""Rows per statement."""


@dataclass(frozen=True)
class RekeyReport:
    """What :meth:`Rekey.rekey_phones` found and did (or would do, ``applied`` False)."""

    unkeyed: int
    """Distinct old digests stored before, not sealed (customers' and phone signals')."""
    sealed_before: int
    """Distinct sealed old digests stored before."""
    rekeyed: int
    """Old digests (unkeyed or sealed) a given text matched, now keyed digests."""
    sealed: int
    """Unkeyed old digests no text matched, now sealed."""
    unreadable: int
    """Old digests matched only by text that is not a phone number (``phone.invalid``): sealed
    (or left sealed)."""
    customers: int
    """Customers whose digest changed."""
    links: int
    """Phone signal links moved to another digest."""
    waiting: int
    """Sealed old digests after: phones whose number no file has given yet."""
    applied: bool

    @property
    def changes(self) -> int:
        return self.customers + self.links

    def summary(self) -> str:
        unreadable = (
            f" ({self.unreadable} matched only by text that is no phone number)"
            if self.unreadable
            else ""
        )
        dry = "" if self.applied else " (dry run: nothing written; add --apply)"
        return (
            f"{self.unkeyed} unkeyed and {self.sealed_before} sealed old phone digests: "
            f"{self.rekeyed} re-keyed from the numbers given, {self.sealed} sealed{unreadable}; "
            f"{self.customers} customers and {self.links} phone signal links changed; "
            f"{self.waiting} sealed digests wait for their numbers{dry}"
        )


class Rekey(ShopBase):
    """Part of Shop: old phone digests to keyed (or sealed) ones."""

    def rekey_phones(self, texts: Iterable[str], *, apply: bool = False) -> RekeyReport:
        """Re-key the old digests that ``texts`` (phones as they were written when stored)
        match, seal the other unkeyed ones; write only with ``apply``."""
        key = self.store.phones
        if key is None:
            raise EngineError("phone.no_key", "this process has no phone key")
        customers = self._old("phone.legacy_customers")
        links = self._old("phone.legacy_signals")
        nodes = {r["digest"] for r in self._old("phone.legacy_nodes")}
        old = nodes | {r["digest"] for r in customers}
        unkeyed = {d for d in old if phones.is_legacy(d)}
        new_of, unreadable = self._match(key, texts, old)
        rekeyed = len(new_of)
        for digest in unkeyed - set(new_of):
            new_of[digest] = key.seal(digest)

        customer_rows = [
            {"id": r["id"], "old": r["digest"], "new": new_of[r["digest"]]}
            for r in customers
            if r["digest"] in new_of
        ]
        moved: dict[tuple[str, str], _Row] = {}
        for r in links:
            new = new_of.get(r["digest"])
            if new is None:
                continue
            row = moved.setdefault(
                (r["customer_id"], new),
                {"customer_id": r["customer_id"], "value": new, "first_seen": None,
                 "last_seen": None, "pseudonym": pseudonym(self.store.phones, "phone", new)},
            )  # fmt: skip
            row["first_seen"] = _least(row["first_seen"], r["first_seen"])
            row["last_seen"] = _most(row["last_seen"], r["last_seen"])
        gone = sorted(d for d in nodes if d in new_of)
        if apply:  # the new links first: an interrupted run leaves the old ones to run again on
            signal_rows = list(moved.values())
            for i in range(0, len(signal_rows), BATCH):
                self.store.write_batch(
                    "etl.signals_phone", signal_rows[i : i + BATCH], key=("customer_id", "value")
                )
            for i in range(0, len(customer_rows), BATCH):
                self.store.write_batch("phone.rekey_customers", customer_rows[i : i + BATCH])
            for i in range(0, len(gone), BATCH):
                self.store.write("phone.drop_nodes", digests=gone[i : i + BATCH])
        after = {new_of.get(d, d) for d in old}
        return RekeyReport(
            unkeyed=len(unkeyed),
            sealed_before=len(old) - len(unkeyed),
            rekeyed=rekeyed,
            sealed=len(new_of) - rekeyed,
            unreadable=len(unreadable),
            customers=len(customer_rows),
            links=len(moved),
            waiting=sum(1 for d in after if phones.is_sealed(d)),
            applied=apply,
        )

    def _old(self, statement: str) -> list[_Row]:
        """The rows of ``statement`` whose ``digest`` is an old one, unkeyed or sealed."""
        return [
            r
            for r in self.store.read(statement, sealed=phones.SEALED)
            if phones.is_legacy(r["digest"]) or phones.is_sealed(r["digest"])
        ]

    def _match(
        self, key: PhoneKey, texts: Iterable[str], old: set[str]
    ) -> tuple[dict[str, str], set[str]]:
        """Stored old digest -> keyed digest for every text that hashes the old way to it
        (sealed or not); and the old digests matched only by text that is no phone number."""
        keyed: dict[str, str] = {}
        unreadable: set[str] = set()
        for text in texts:
            unkeyed = phones.legacy_digest(text)
            for stored in (unkeyed, key.seal(unkeyed)):
                if stored not in old or stored in keyed:
                    continue
                try:
                    keyed[stored] = self.phone_digest(text)
                except ValidationError:
                    unreadable.add(stored)
        return keyed, unreadable - set(keyed)


def _least(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _most(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
