"""Shop: one shop's distribution program, the only place that combines rules and graph.

Every entry point (API, UI, ETL, CLI) calls a ``Shop``; it validates with ``teamgraph.rules``,
reads and writes through the shop's :class:`~teamgraph.graph.GraphStore`, and returns plain
values. Time is an argument (epoch ms) defaulting to the clock, so tests can move it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from teamgraph.clock import now_ms
from teamgraph.errors import AuthError, Conflict, NotFound, ValidationError
from teamgraph.graph import Engine, GraphStore
from teamgraph.graph.store import check_shop_id
from teamgraph.rules import settings as rules_settings
from teamgraph.rules.settings import ProgramSettings

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


class Shop:
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

    # -- settings ----------------------------------------------------------------------------
    def _stored_settings(self) -> tuple[ProgramSettings, int]:
        row = self.store.read("shop.get", id=self.id)[0]
        return ProgramSettings.model_validate_json(row["settings"]), int(row["settings_version"])

    def settings(self, *, now: int | None = None) -> ProgramSettings:
        """The settings in force at ``now`` (a pending mode change applies once due, R-1.9)."""
        return self._stored_settings()[0].effective(now if now is not None else now_ms())

    def update_settings(
        self, patch: Mapping[str, Any], *, now: int | None = None
    ) -> tuple[ProgramSettings, list[dict[str, str]]]:
        """Apply a settings change; returns the new settings and their warnings (R-3.7)."""
        now = now if now is not None else now_ms()
        current, version = self._stored_settings()
        new = rules_settings.change(current, dict(patch), now)
        if not self.store.write(
            "shop.put_settings", id=self.id, version=version, settings=new.model_dump_json()
        ):
            raise Conflict("settings.concurrent", "the settings changed meanwhile; read them again")
        return new, rules_settings.warnings(new)

    # -- reads for the overview ------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return self.store.read("shop.counts")[0]

    # -- bulk loads (the ETL and the demo end here) ---------------------------------------------
    def load_customers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(self.store.write_batch("customer.upsert_batch", rows))

    def load_distributors(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(self.store.write_batch("distributor.upsert_batch", rows))

    def load_invitations(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(self.store.write_batch("invitation.create_batch", rows, key=("id",)))

    def load_bindings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(
            self.store.write_batch("binding.create_batch", rows, key=("customer_id", "since"))
        )

    def team_by_depth(self, distributor_id: str) -> list[dict[str, int]]:
        return self.store.read("team.by_depth", id=distributor_id)


def _n(rows: list[dict[str, Any]]) -> int:
    return int(rows[0]["n"]) if rows else 0
