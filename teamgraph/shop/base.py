"""The core of a :class:`~teamgraph.shop.Shop` that every part of it stands on: its store and
id, the clock, the settings with the catch-up of their time-based effects, the distributor
profile, and the level check (R-4.3) that ends every change of a distributor's counters.

Each part of the shop (``relationships``, ``team``, ``orders``, ``ledger``, ``analytics``,
``risk``, ``keys``) subclasses :class:`ShopBase` and calls only what is here or its own methods,
so each type-checks on its own and none stands in for another.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from teamgraph.clock import now_ms
from teamgraph.errors import Conflict, EngineError, NotFound
from teamgraph.graph import GraphStore
from teamgraph.phones import PhoneKey
from teamgraph.rules import binding as rules_binding
from teamgraph.rules import levels as rules_levels
from teamgraph.rules import settings as rules_settings
from teamgraph.rules.settings import ProgramSettings
from teamgraph.shop import retention
from teamgraph.shop.actors import PROGRAM, Actor

DUE = "due"
"""The store's memo (:attr:`GraphStore.memo`) of :class:`_NothingDue`."""
CATCH_UP: Final = Actor.system("catch-up")
"""The actor of a pending settings change taking effect (R-1.9): the program's, not a key's."""
DUE_MEMO_MS: Final = 5_000
"""K-4: how long, in the shop's time and in this process's, ``catch_up`` trusts that nothing
falls due (five seconds)."""


@dataclass(frozen=True)
class _NothingDue:
    """What ``catch_up`` read: the settings, and that nothing is due from ``since`` to
    ``until`` (shop time, ms); trusted for :data:`DUE_MEMO_MS` after ``read_at`` (monotonic)."""

    settings: ProgramSettings
    since: int
    until: int
    read_at: float

    def covers(self, now: int) -> bool:
        return (
            self.since <= now < self.until and time.monotonic() - self.read_at < DUE_MEMO_MS / 1000
        )


def phone_digest(key: PhoneKey | None, phone: str, field: str) -> str:
    """P-1, P-2: how a phone is stored, whichever way it came in (docs/choices.md): its E.164
    text keyed with the installation's secret; 422 ``phone.invalid`` naming ``field`` for
    text that is not a phone number."""
    if key is None:
        raise EngineError(
            "phone.no_key", "this process has no phone key (engines come from graph.connect)"
        )
    return key.digest(phone, field=field)


class ShopBase:
    """One shop's store and settings; the parts of ``Shop`` build on it."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.id = store.shop
        self._seen: ProgramSettings | None = None
        """The settings as this object last read or wrote them (:meth:`timezone`)."""

    def _now(self, now: int | None) -> int:
        return now if now is not None else now_ms()

    def phone_digest(self, phone: str, *, field: str = "phone") -> str:
        """The stored form of ``phone`` (:func:`phone_digest`): every way a phone enters the
        shop (the API, imports, CRMEB, the demo) comes through here."""
        return phone_digest(self.store.phones, phone, field)

    # -- settings ----------------------------------------------------------------------------
    def _stored_settings(self) -> tuple[ProgramSettings, int]:
        settings, version, _ = self._stored_settings_text()
        return settings, version

    def _stored_settings_text(self) -> tuple[ProgramSettings, int, str]:
        """The stored settings, their version and their text as stored (what a compare-and-set
        compares, ``shop.put_settings``)."""
        rows = self.store.read("shop.get", id=self.id)
        if not rows:
            raise NotFound(
                "shop.not_found", f"no shop {self.id!r}", params={"id": self.id}, field="shop"
            )
        self._seen = ProgramSettings.model_validate_json(rows[0]["settings"])
        return self._seen, int(rows[0]["settings_version"]), str(rows[0]["settings"])

    def settings(self, *, now: int | None = None) -> ProgramSettings:
        """The settings in force at ``now`` (a pending mode change applies once due, R-1.9)."""
        return self._stored_settings()[0].effective(self._now(now))

    def timezone(self) -> str:
        """The shop's time zone, to render times in: as this object last read the settings
        (each API request and UI callback opens its own Shop, so within one of them), else
        read now."""
        if self._seen is None:
            return self._stored_settings()[0].timezone
        return self._seen.timezone

    def catch_up(self, now: int | None = None) -> ProgramSettings:
        """Make time-based effects real before a read or a write that depends on them:
        a pending mode change that is due takes effect (R-1.9, R-1.10), bindings past their
        expiry end (R-1.2) and ledger entries past their after-sale window settle or are held
        (R-3.10), and identity signal values past the shop's retention take their pseudonym
        (docs/choices.md PD-4, once a day). Idempotent; one read when nothing is due, so no job
        has to have run — and none when this process found nothing due within the next seconds
        a moment ago (K-4)."""
        now = self._now(now)
        known = self.store.memo.get(DUE)
        if known is not None and known.covers(now):
            self._seen = known.settings
            return known.settings.effective(now)
        until = now + DUE_MEMO_MS
        rows = self.store.read("shop.due", id=self.id, now=now, until=until)
        if not rows:
            raise NotFound(
                "shop.not_found", f"no shop {self.id!r}", params={"id": self.id}, field="shop"
            )
        row = rows[0]
        stored = self._seen = ProgramSettings.model_validate_json(row["settings"])
        pending = stored.pending
        if pending is not None and now >= pending.effective_at:
            new = stored.effective(now)
            statement = (
                "binding.end_all"
                if stored.attribution_mode == "chain" and new.attribution_mode == "sharer"
                else "shop.put_settings"
            )
            self.store.write(
                statement,
                id=self.id,
                version=int(row["settings_version"]),
                seen=row["settings"],
                settings=new.model_dump_json(),
                at=pending.effective_at,
                now=pending.effective_at,
                before=row["settings"],
                action="settings.apply_pending",
                change_id=uuid.uuid4().hex,
                **CATCH_UP.params(),
                **_products_reset(),
            )  # a lost compare-and-set means another process applied it: same outcome
            stored = self._stored_settings()[0]
        elif not row["soon"] and (pending is None or pending.effective_at > until):
            self.store.memo[DUE] = _NothingDue(stored, now, until, time.monotonic())
        if row["bindings"]:
            self.store.write("binding.expire_due", now=now)
        if row["entries"]:
            self.store.write("ledger.settle_due", now=now)
        if stored.signal_retention_days is not None:
            retention.prune_due(self.store, stored, row["signals_pruned_at"], now)
        return stored.effective(now)

    def update_settings(
        self, patch: Mapping[str, Any], *, actor: Actor = PROGRAM, now: int | None = None
    ) -> tuple[ProgramSettings, list[dict[str, str]]]:
        """Apply a settings change; returns the new settings and their warnings (R-3.7).

        R-1.11: a change of ``auto_unbind`` recomputes every active binding's expiry in the
        same statement as the settings (now + ``binding_days``, or permanent). R-3.1: a switch
        of the reward kind sets every product's own reward back to 0, in the new basis, in
        that same statement too (the levels' defaults are reset by ``rules.settings.change``)."""
        now = self._now(now)
        self.catch_up(now)
        current, version, seen = self._stored_settings_text()
        new = rules_settings.change(current, dict(patch), now)
        params: dict[str, Any] = {
            "id": self.id,
            "version": version,
            "seen": seen,
            "settings": new.model_dump_json(),
            "now": now,
            "before": current.model_dump_json(),
            "action": "settings.update",
            "change_id": uuid.uuid4().hex,
            **actor.params(),
            **_products_reset(current, new),
        }
        if new.auto_unbind != current.auto_unbind:
            params["expires_at"] = rules_binding.expiry(new, now)
            rows = self.store.write("binding.reexpire_all", **params)
        else:
            rows = self.store.write("shop.put_settings", **params)
        if not rows:
            raise Conflict("settings.concurrent", "the settings changed meanwhile; read them again")
        self._seen = new
        return new, rules_settings.warnings(new)

    # -- the distributor profile (read by relationships and team views) -----------------------
    def distributor(self, distributor_id: str, *, now: int | None = None) -> dict[str, Any]:
        """Profile, level, status (dormant computed when read), inviter and counters."""
        now = self._now(now)
        return self._profile(distributor_id, self.catch_up(now), now)

    def _profile(self, distributor_id: str, settings: ProgramSettings, now: int) -> dict[str, Any]:
        rows = self.store.read("distributor.profiles", ids=[distributor_id])
        if not rows:
            raise NotFound(
                "distributor.not_found",
                f"no distributor {distributor_id}",
                params={"id": distributor_id},
                field="id",
            )
        row = rows[0]
        row["status"] = rules_binding.status_at(
            row["status"], row.pop("last_active_at"), settings, now
        )
        row["by_depth"] = _depths(row["by_depth"])
        return row

    def _check_levels(
        self, ids: list[str], now: int, settings: ProgramSettings | None = None
    ) -> None:
        """R-4.3: raise each distributor to the level its counters earn, at once."""
        levels = (settings or self.settings(now=now)).levels
        if len(levels) < 2:
            return  # nothing to rise to: spare the read
        self._raise_levels(self.store.read("distributor.profiles", ids=ids), now, settings)

    def _raise_levels(
        self, rows: list[dict[str, Any]], now: int, settings: ProgramSettings | None = None
    ) -> None:
        """R-4.3 for distributors whose level and counters a statement has just returned (the
        write that moved them: no read after it)."""
        levels = (settings or self.settings(now=now)).levels
        for row in rows:
            level = rules_levels.raised(levels, level_values(row), row["level"])
            if level is not None:
                self.store.write("distributor.raise_level", id=row["id"], level=level, now=now)


def _depths(by_depth: list[int] | None) -> list[dict[str, int]]:
    """``by_depth`` as stored (index = depth - 1) as the rows team views show."""
    return [{"depth": i + 1, "distributors": int(n)} for i, n in enumerate(by_depth or []) if n]


def level_values(d: Mapping[str, Any]) -> dict[str, int]:
    """R-4.2's conditions, from the counters on the distributor."""
    return {
        "bound_customers": d["direct_clients"] or 0,
        "invited_distributors": d["invitees"] or 0,
        "paid_orders": d["paid_orders"] or 0,
        "received_fen": d["received_fen"] or 0,
        "transaction_fen": d["transaction_fen"] or 0,
        "completed_orders": d["completed_orders"] or 0,
    }


def _products_reset(
    before: ProgramSettings | None = None, after: ProgramSettings | None = None
) -> dict[str, Any]:
    """The parameters of R-3.1's product reset in a settings statement
    (:func:`teamgraph.rules.settings.product_reset`; no settings: nothing reset)."""
    reset = None if before is None or after is None else rules_settings.product_reset(before, after)
    if reset is None:
        return {"reset_products": False, "product_bp": None, "product_fen": None}
    return {"reset_products": True, "product_bp": reset[0], "product_fen": reset[1]}
