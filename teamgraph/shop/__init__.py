"""Shop: one shop's distribution program, the only place that combines rules and graph.

Every entry point (API, UI, ETL, CLI) calls a ``Shop``; it validates with ``teamgraph.rules``,
reads and writes through the shop's :class:`~teamgraph.graph.GraphStore`, and returns plain
values. Time is an argument (epoch ms) defaulting to the clock, so tests can move it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from teamgraph.clock import now_ms
from teamgraph.errors import AuthError, Conflict, NotFound, ValidationError
from teamgraph.graph import Engine, GraphStore
from teamgraph.graph.store import check_shop_id
from teamgraph.rules import binding as rules_binding
from teamgraph.rules import levels as rules_levels
from teamgraph.rules import settings as rules_settings
from teamgraph.rules import share as rules_share
from teamgraph.rules import team as rules_team
from teamgraph.rules.binding import Binding, Sharer
from teamgraph.rules.settings import ProgramSettings
from teamgraph.shop.analytics import Analytics
from teamgraph.shop.orders import Commerce
from teamgraph.shop.risk import Risk

Role = Literal["merchant", "analyst", "distributor"]
ROLES: tuple[Role, ...] = ("merchant", "analyst", "distributor")


@dataclass(frozen=True)
class Principal:
    """Who a key speaks for: a role in one shop, and for ``distributor`` keys its id."""

    shop: str
    role: Role
    distributor_id: str | None = None


def _key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(key: str) -> tuple[str, str]:
    """A key reads ``<shop>.<secret>``: the shop part tells which graph holds its hash."""
    shop, sep, secret = key.partition(".")
    if not sep or not secret:
        raise AuthError("auth.invalid_key", "the key is malformed")
    return shop, secret


class Shop(Commerce, Analytics, Risk):
    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.id = store.shop

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
        changes (API.md "CLI"). On an existing shop, given settings must equal the stored ones.
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
            raise NotFound("shop.not_found", f"no shop {shop_id!r}; create it first", field="shop")
        return cls(store)

    # -- keys ------------------------------------------------------------------------------
    def create_key(
        self, role: str, distributor_id: str | None = None, *, now: int | None = None
    ) -> str:
        """A new API key; only its hash is stored. Returned once, never shown again."""
        if role not in ROLES:
            raise ValidationError("key.role", f"role is one of {', '.join(ROLES)}", field="role")
        if (role == "distributor") != (distributor_id is not None):
            raise ValidationError(
                "key.distributor",
                "a distributor key names its distributor, and only it does",
                field="distributor_id",
            )
        secret = secrets.token_urlsafe(24)
        self.store.write(
            "key.create",
            id=_key_hash(secret),
            role=role,
            distributor_id=distributor_id,
            now=now if now is not None else now_ms(),
        )
        return f"{self.id}.{secret}"

    def authenticate(self, key: str) -> Principal:
        shop, secret = split_key(key)
        if shop != self.id:
            raise AuthError("auth.invalid_key", "the key does not belong to this shop")
        rows = self.store.read("key.get", id=_key_hash(secret))
        if not rows:
            raise AuthError("auth.invalid_key", "unknown key")
        return Principal(self.id, rows[0]["role"], rows[0]["distributor_id"])

    def _now(self, now: int | None) -> int:
        return _now(now)

    # -- settings ----------------------------------------------------------------------------
    def _stored_settings(self) -> tuple[ProgramSettings, int]:
        rows = self.store.read("shop.get", id=self.id)
        if not rows:
            raise NotFound("shop.not_found", f"no shop {self.id!r}", field="shop")
        return ProgramSettings.model_validate_json(rows[0]["settings"]), int(
            rows[0]["settings_version"]
        )

    def settings(self, *, now: int | None = None) -> ProgramSettings:
        """The settings in force at ``now`` (a pending mode change applies once due, R-1.9)."""
        return self._stored_settings()[0].effective(_now(now))

    def catch_up(self, now: int | None = None) -> ProgramSettings:
        """Make time-based effects real before a read or a write that depends on them:
        a pending mode change that is due takes effect (R-1.9, R-1.10), bindings past their
        expiry end (R-1.2) and ledger entries past their after-sale window settle or are held
        (R-3.10). Idempotent; one read when nothing is due, so no job has to have run."""
        now = _now(now)
        rows = self.store.read("shop.due", id=self.id, now=now)
        if not rows:
            raise NotFound("shop.not_found", f"no shop {self.id!r}", field="shop")
        row = rows[0]
        stored = ProgramSettings.model_validate_json(row["settings"])
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
                settings=new.model_dump_json(),
                at=pending.effective_at,
            )  # a lost compare-and-set means another process applied it: same outcome
            stored = self._stored_settings()[0]
        if row["bindings"]:
            self.store.write("binding.expire_due", now=now)
        if row["entries"]:
            self.store.write("ledger.settle_due", now=now)
        return stored.effective(now)

    def update_settings(
        self, patch: Mapping[str, Any], *, now: int | None = None
    ) -> tuple[ProgramSettings, list[dict[str, str]]]:
        """Apply a settings change; returns the new settings and their warnings (R-3.7).

        R-1.11: a change of ``auto_unbind`` recomputes every active binding's expiry in the
        same statement as the settings (now + ``binding_days``, or permanent)."""
        now = _now(now)
        self.catch_up(now)
        current, version = self._stored_settings()
        new = rules_settings.change(current, dict(patch), now)
        params: dict[str, Any] = {
            "id": self.id,
            "version": version,
            "settings": new.model_dump_json(),
        }
        if new.auto_unbind != current.auto_unbind:
            params["expires_at"] = rules_binding.expiry(new, now)
            rows = self.store.write("binding.reexpire_all", **params)
        else:
            rows = self.store.write("shop.put_settings", **params)
        if not rows:
            raise Conflict("settings.concurrent", "the settings changed meanwhile; read them again")
        return new, rules_settings.warnings(new)

    # -- customers and visits (RULES.md section 1) ----------------------------------------------
    def create_customer(
        self,
        customer_id: str,
        *,
        name: str | None = None,
        phone: str | None = None,
        phone_verified: bool = False,
        joined_at: int | None = None,
        via_distributor_id: str | None = None,
        now: int | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Register a customer (idempotent on its id). Joining through a distributor's link is
        a visit at the joining time (R-1.5, R-1.13). Returns the customer and whether it was
        created; the same id with other details is 409 ``event.conflict`` (API.md)."""
        now = _now(now)
        joined = joined_at if joined_at is not None else now
        phone_hash = hashlib.sha256(phone.encode()).hexdigest() if phone else None
        existing = self.store.read("customer.get", id=customer_id)
        if existing:
            stored = existing[0]
            given = {
                "name": name,
                "phone_hash": phone_hash,
                "joined_at": joined_at,
                "via": via_distributor_id,
            }
            differs = [k for k, v in given.items() if v is not None and stored[k] != v]
            if bool(stored["phone_verified"]) != phone_verified:
                differs.append("phone_verified")
            if differs:
                raise Conflict(
                    "event.conflict",
                    f"customer {customer_id} exists with another {', '.join(differs)}",
                    field="id",
                )
            return self.customer(customer_id, now=now), False
        if via_distributor_id is not None:  # refuse a bad distributor before writing anything
            ctx = self.store.read(
                "visit.context", customer_id=customer_id, distributor_id=via_distributor_id
            )[0]
            rules_binding.check_target(
                customer_id, via_distributor_id, ctx["d_status"], found=ctx["d_id"] is not None
            )
        self.store.write(
            "customer.create",
            id=customer_id,
            name=name,
            phone_hash=phone_hash,
            phone_verified=phone_verified,
            joined_at=joined,
            via=via_distributor_id,
        )
        if via_distributor_id is not None:
            self.visit(customer_id, via_distributor_id, at=joined, now=now, new_customer=True)
        return self.customer(customer_id, now=now), True

    def resolve_distributor(self, distributor_id: str | None, code: str | None) -> str:
        """A visit names the distributor by id or by its share code (推广码)."""
        if distributor_id is not None:
            return distributor_id
        if code is None:
            raise ValidationError(
                "visit.no_distributor", "give distributor_id or code", field="distributor_id"
            )
        rows = self.store.read("distributor.by_code", code=rules_share.normalize_code(code))
        if not rows:
            raise NotFound(
                "share.unknown_code", f"no distributor has the code {code}", field="code"
            )
        return str(rows[0]["id"])

    def visit(
        self,
        customer_id: str,
        distributor_id: str,
        *,
        at: int | None = None,
        channel: str | None = None,
        name: str | None = None,
        now: int | None = None,
        new_customer: bool | None = None,
    ) -> dict[str, Any]:
        """A customer opens a distributor's link or code (R-1.2–R-1.4, R-1.13). Unknown
        customers are created, joined through this distributor."""
        at = at if at is not None else _now(now)
        settings = self.catch_up(at)
        ctx = self.store.read(
            "visit.context", customer_id=customer_id, distributor_id=distributor_id
        )[0]
        rules_binding.check_target(
            customer_id, distributor_id, ctx["d_status"], found=ctx["d_id"] is not None
        )
        binding = (
            Binding(ctx["bound_to"], ctx["since"], ctx["expires_at"]) if ctx["bound_to"] else None
        )
        outcome = rules_binding.visit(
            settings,
            distributor_id=distributor_id,
            binding=binding,
            joined_via=ctx["via"],
            new_customer=ctx["c_id"] is None if new_customer is None else new_customer,
            now=at,
            last_change=ctx["last_change"],
        )
        params = {
            "customer_id": customer_id,
            "distributor_id": distributor_id,
            "now": at,
            "expires_at": outcome.expires_at,
            "sharer_until": outcome.sharer_until,
            "channel": channel,
            "name": name,
        }
        if outcome.action == "bind":
            rows = self.store.write(
                "visit.bind", source="visit", actor=None, reason=outcome.reason, **params
            )
            if rows:
                self._check_levels([distributor_id], at, settings)
            else:  # bound meanwhile by another request: record the sharer only
                self.store.write("visit.share", **params)
        elif outcome.action == "renew":
            self.store.write("visit.renew", **params)
        else:
            self.store.write("visit.share", **params)
        view = self._customer_view(customer_id, settings, at)
        return {
            "customer_id": customer_id,
            "bound_to": view["binding"]["distributor_id"] if view["binding"] else None,
            "expires_at": view["binding"]["expires_at"] if view["binding"] else None,
            "sharer_id": view["sharer"]["distributor_id"] if view["sharer"] else None,
            "sharer_until": view["sharer"]["until"] if view["sharer"] else None,
            "attributed_to": view["attributed_to"],
            "outcome": outcome.action,
            "reason": outcome.reason,
        }

    def customer(self, customer_id: str, *, now: int | None = None) -> dict[str, Any]:
        """A customer with its current binding, sharer, attribution and full binding history
        (R-1.12: bindings are ended, never deleted)."""
        now = _now(now)
        return self._customer_view(customer_id, self.catch_up(now), now)

    def _customer_view(
        self, customer_id: str, settings: ProgramSettings, now: int
    ) -> dict[str, Any]:
        rows = self.store.read("customer.view", id=customer_id)
        if not rows:
            raise NotFound("customer.not_found", f"no customer {customer_id}", field="id")
        row = rows[0]
        history = sorted(row["bindings"], key=lambda b: b["since"])
        current = next(
            (
                b
                for b in history
                if b["active"] and (b["expires_at"] is None or now < b["expires_at"])
            ),
            None,
        )
        sharer = (
            Sharer(row["sharer_id"], row["sharer_until"]) if row["sharer_id"] is not None else None
        )
        binding = (
            Binding(current["distributor_id"], current["since"], current["expires_at"])
            if current
            else None
        )
        return {
            "id": row["id"],
            "name": row["name"],
            "joined_at": row["joined_at"],
            "joined_via": row["via"],
            "binding": None
            if current is None
            else {
                "distributor_id": current["distributor_id"],
                "since": current["since"],
                "expires_at": current["expires_at"],
                "source": current["source"],
            },
            "sharer": None
            if sharer is None or not sharer.active(now)
            else {
                "distributor_id": sharer.distributor_id,
                "until": sharer.until,
                "channel": row["sharer_channel"],
            },
            "attributed_to": rules_binding.attributed(settings, binding, sharer, now),
            "history": history,
        }

    def rebind(
        self,
        customer_id: str,
        distributor_id: str,
        *,
        reason: str | None = None,
        actor: str = "merchant",
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-1.12: the merchant binds a customer to another distributor; the old binding ends
        (kept, with who ended it and why) and an audit entry records the change."""
        now = _now(now)
        settings = self.catch_up(now)
        ctx = self.store.read(
            "visit.context", customer_id=customer_id, distributor_id=distributor_id
        )[0]
        if ctx["c_id"] is None:
            raise NotFound("customer.not_found", f"no customer {customer_id}", field="customer_id")
        rules_binding.check_target(
            customer_id, distributor_id, ctx["d_status"], found=ctx["d_id"] is not None
        )
        rows = self.store.write(
            "binding.set",
            customer_id=customer_id,
            distributor_id=distributor_id,
            now=now,
            expires_at=rules_binding.expiry(settings, now),
            source="merchant",
            actor=actor,
            reason=reason,
            end_reason="merchant_rebind",
            action="binding.rebind",
            change_id=_change_id(),
        )
        if rows:
            self._check_levels([distributor_id], now, settings)
        return self._customer_view(customer_id, settings, now)

    def unbind(
        self,
        customer_id: str,
        *,
        reason: str | None = None,
        actor: str = "merchant",
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-1.12: the merchant ends a customer's binding (idempotent: unbound stays unbound)."""
        now = _now(now)
        settings = self.catch_up(now)
        if not self.store.read("customer.get", id=customer_id):
            raise NotFound("customer.not_found", f"no customer {customer_id}", field="customer_id")
        self.store.write(
            "binding.end",
            customer_id=customer_id,
            now=now,
            actor=actor,
            reason=reason,
            end_reason="merchant_unbind",
            action="binding.unbind",
            change_id=_change_id(),
        )
        return self._customer_view(customer_id, settings, now)

    # -- distributors (RULES.md section 2) ------------------------------------------------------
    def apply(self, customer_id: str, *, now: int | None = None) -> dict[str, Any]:
        """R-2.1: a customer applies; approved at once unless the shop reviews applications."""
        now = _now(now)
        settings = self.catch_up(now)
        ctx = self._distributor_context(customer_id)
        if ctx["status"] is not None:  # already a distributor: the application is done
            return self.distributor(customer_id, now=now)
        _check_application(settings, ctx)
        self.store.write("distributor.apply", id=customer_id, now=now)
        if not settings.application.review:
            return self.approve(customer_id, actor="auto", now=now)
        return {"id": customer_id, "status": "pending", "inviter_id": None}

    def approve(
        self, customer_id: str, *, actor: str = "merchant", now: int | None = None
    ) -> dict[str, Any]:
        """R-2.2: approval makes the customer a distributor; its inviter is the distributor it
        is attributed to now, fixed for good. Every distributor above gains a team member."""
        now = _now(now)
        settings = self.catch_up(now)
        ctx = self._distributor_context(customer_id)
        if ctx["status"] is not None:
            return self.distributor(customer_id, now=now)
        if ctx["application"] != "pending":
            raise Conflict(
                "distributor.not_pending",
                f"{customer_id} has no pending application",
                rule="R-2.1",
                field="id",
            )
        binding = (
            Binding(ctx["bound_to"], ctx["since"], ctx["expires_at"]) if ctx["bound_to"] else None
        )
        sharer = Sharer(ctx["sharer_id"], ctx["sharer_until"]) if ctx["sharer_id"] else None
        inviter = rules_binding.attributed(settings, binding, sharer, now)
        if inviter is not None and self.store.read(
            "distributor.in_team", id=customer_id, other=inviter
        ):
            raise Conflict(
                "distributor.cycle",
                f"{inviter} is in {customer_id}'s team: the invitation would form a cycle",
                rule="R-2.2",
                field="inviter_id",
            )
        rows = self.store.write(
            "distributor.approve",
            id=customer_id,
            now=now,
            code=self._free_code(customer_id),
            inviter_id=inviter,
        )
        if rows and rows[0]["inviter_id"] is not None:
            self._check_levels([rows[0]["inviter_id"]], now, settings)
        return self._profile(customer_id, settings, now)

    def reject(
        self,
        customer_id: str,
        *,
        reason: str | None = None,
        actor: str = "merchant",
        now: int | None = None,
    ) -> dict[str, Any]:
        now = _now(now)
        ctx = self._distributor_context(customer_id)
        if ctx["application"] == "rejected":
            return {"id": customer_id, "status": "rejected", "inviter_id": None}
        if ctx["application"] != "pending":
            raise Conflict(
                "distributor.not_pending",
                f"{customer_id} has no pending application",
                rule="R-2.1",
                field="id",
            )
        self.store.write(
            "distributor.reject",
            id=customer_id,
            now=now,
            actor=actor,
            reason=reason,
            change_id=_change_id(),
        )
        return {"id": customer_id, "status": "rejected", "inviter_id": None}

    def set_status(
        self,
        distributor_id: str,
        status: Literal["active", "frozen"],
        *,
        reason: str | None = None,
        actor: str = "merchant",
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-2.1: the merchant (or the risk engine) freezes or unfreezes a distributor."""
        now = _now(now)
        self.distributor(distributor_id, now=now)  # 404 for an unknown id
        self.store.write(
            "distributor.set_status",
            id=distributor_id,
            status=status,
            now=now,
            actor=actor,
            reason=reason,
            action=f"distributor.{'freeze' if status == 'frozen' else 'unfreeze'}",
            change_id=_change_id(),
        )
        return self.distributor(distributor_id, now=now)

    def set_level(
        self,
        distributor_id: str,
        level: int,
        *,
        reason: str | None = None,
        actor: str = "merchant",
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-4.3: the merchant can set any level by hand (up or down)."""
        now = _now(now)
        settings = self.settings(now=now)
        if isinstance(level, bool) or not 1 <= level <= len(settings.levels):
            raise ValidationError(
                "level.unknown",
                f"the program has levels 1..{len(settings.levels)}",
                rule="R-4.1",
                field="level",
            )
        self.distributor(distributor_id, now=now)
        self.store.write(
            "distributor.set_level",
            id=distributor_id,
            level=level,
            now=now,
            actor=actor,
            reason=reason,
            change_id=_change_id(),
        )
        return self.distributor(distributor_id, now=now)

    def add_performance(
        self,
        distributor_id: str,
        *,
        paid_orders: int = 0,
        received_fen: int = 0,
        transaction_fen: int = 0,
        completed_orders: int = 0,
        now: int | None = None,
    ) -> dict[str, Any]:
        """The update point order events feed (R-4.2's order-based conditions); upgrades
        follow at once (R-4.3)."""
        values = (paid_orders, received_fen, transaction_fen, completed_orders)
        if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
            raise TypeError("performance deltas are integers (fen, counts)")
        now = _now(now)
        if not self.store.write(
            "distributor.add_performance",
            id=distributor_id,
            paid_orders=paid_orders,
            received_fen=received_fen,
            transaction_fen=transaction_fen,
            completed_orders=completed_orders,
        ):
            raise NotFound("distributor.not_found", f"no distributor {distributor_id}", field="id")
        self._check_levels([distributor_id], now)
        return self.distributor(distributor_id, now=now)

    # -- team views (R-2.3, R-4.4) -----------------------------------------------------------------
    def distributor(self, distributor_id: str, *, now: int | None = None) -> dict[str, Any]:
        """Profile, level, status (dormant computed when read), inviter and counters."""
        now = _now(now)
        return self._profile(distributor_id, self.catch_up(now), now)

    def _profile(self, distributor_id: str, settings: ProgramSettings, now: int) -> dict[str, Any]:
        rows = self.store.read("distributor.profiles", ids=[distributor_id])
        if not rows:
            raise NotFound("distributor.not_found", f"no distributor {distributor_id}", field="id")
        row = rows[0]
        row["status"] = rules_binding.status_at(
            row["status"], row.pop("last_active_at"), settings, now
        )
        row["by_depth"] = _depths(row["by_depth"])
        return row

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
        now = _now(now)
        self.distributor(distributor_id, now=now)
        return _page(
            self.store.read(
                f"team.{kind}_clients",
                id=distributor_id,
                after=cursor or "",
                now=now,
                limit=limit + 1,
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
        now = _now(now)
        settings = self.catch_up(now)
        self._profile(distributor_id, settings, now)
        rows = self.store.read(
            "team.invitees", id=distributor_id, after=cursor or "", limit=limit + 1
        )
        return _page(self.status_as_read(rows, settings, now), limit)

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
        now = _now(now)
        settings = self.catch_up(now)
        d = self._profile(distributor_id, settings, now)
        out = rules_levels.progress(settings.levels, _level_values(d), d["level"]).to_dict()
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
            "qr_svg": rules_share.qr_svg(link),
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

    # -- internals ---------------------------------------------------------------------------------
    def _distributor_context(self, customer_id: str) -> dict[str, Any]:
        rows = self.store.read("distributor.context", id=customer_id)
        if not rows:
            raise NotFound("customer.not_found", f"no customer {customer_id}", field="customer_id")
        return rows[0]

    def _free_code(self, distributor_id: str) -> str:
        for attempt in range(10):
            code = rules_share.share_code(distributor_id, attempt)
            owner = self.store.read("distributor.by_code", code=code)
            if not owner or owner[0]["id"] == distributor_id:
                return code
        raise Conflict("share.code_exhausted", "no free share code")  # pragma: no cover

    def _check_levels(
        self, ids: list[str], now: int, settings: ProgramSettings | None = None
    ) -> None:
        """R-4.3: raise each distributor to the level its counters earn, at once."""
        levels = (settings or self.settings(now=now)).levels
        if len(levels) < 2:
            return
        for row in self.store.read("distributor.profiles", ids=ids):
            earned = rules_levels.earned_level(levels, _level_values(row), row["level"])
            if earned > row["level"]:
                self.store.write("distributor.raise_level", id=row["id"], level=earned, now=now)

    # -- reads for the overview ------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return self.store.read("shop.counts")[0]

    # -- bulk loads (the ETL and the demo end here; counters: recount(apply=True)) --------------
    def load_customers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(self.store.write_batch("customer.upsert_batch", rows))

    def load_distributors(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Distributors (with ``name``/``joined_at`` when they are new members too): created
        with both labels when new, labelled when already customers."""
        with_codes = [
            {
                "name": None,
                "joined_at": row.get("became_at"),
                **row,
                "code": row.get("code") or rules_share.share_code(row["id"]),
            }
            for row in rows
        ]
        ids = [row["id"] for row in with_codes]
        existing = {r["id"] for r in self.store.read("customer.existing", ids=ids)}
        old = [row for row in with_codes if row["id"] in existing]
        new = [row for row in with_codes if row["id"] not in existing]
        return _n(self.store.write_batch("distributor.create_batch", new)) + _n(
            self.store.write_batch("distributor.upsert_batch", old)
        )

    def load_invitations(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(self.store.write_batch("invitation.create_batch", rows, key=("id",)))

    def load_bindings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(
            self.store.write_batch("binding.create_batch", rows, key=("customer_id", "since"))
        )

    def team_by_depth(self, distributor_id: str) -> list[dict[str, int]]:
        by_depth: list[dict[str, int]] = self.distributor(distributor_id)["by_depth"]
        return by_depth


MAX_TREE_DEPTH = 15


def _now(now: int | None) -> int:
    return now if now is not None else now_ms()


def _change_id() -> str:
    return uuid.uuid4().hex


def _n(rows: list[dict[str, Any]]) -> int:
    return int(rows[0]["n"]) if rows else 0


def _depths(by_depth: list[int] | None) -> list[dict[str, int]]:
    return [{"depth": i + 1, "distributors": int(n)} for i, n in enumerate(by_depth or []) if n]


def _level_values(d: Mapping[str, Any]) -> dict[str, int]:
    """R-4.2's conditions, from the counters on the distributor."""
    return {
        "bound_customers": d["direct_clients"] or 0,
        "invited_distributors": d["invitees"] or 0,
        "paid_orders": d["paid_orders"] or 0,
        "received_fen": d["received_fen"] or 0,
        "transaction_fen": d["transaction_fen"] or 0,
        "completed_orders": d["completed_orders"] or 0,
    }


def _page(rows: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    items = rows[:limit]
    return {
        "items": items,
        "next_cursor": items[-1]["id"] if len(rows) > limit and items else None,
    }


def _check_application(settings: ProgramSettings, ctx: Mapping[str, Any]) -> None:
    """R-2.1 / S-6: every condition the shop sets must hold."""
    app = settings.application
    failed = []
    if app.verified_phone and not ctx["phone_verified"]:
        failed.append("a verified phone")
    if app.min_spend_fen is not None and (ctx["spent_fen"] or 0) < app.min_spend_fen:
        failed.append(f"total spend of at least {app.min_spend_fen} fen")
    if app.min_paid_orders is not None and (ctx["paid_orders"] or 0) < app.min_paid_orders:
        failed.append(f"at least {app.min_paid_orders} paid orders")
    if app.groups and not set(app.groups) & set(ctx["groups"] or []):
        failed.append(f"membership of one of the groups {', '.join(app.groups)}")
    if failed:
        raise ValidationError(
            "distributor.conditions",
            "the application needs " + "; ".join(failed),
            rule="R-2.1",
            field="customer_id",
        )
