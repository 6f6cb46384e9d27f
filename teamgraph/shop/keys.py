"""API keys of a shop: roles, who a key speaks for (:class:`Principal`), creating a key and
checking one. A key reads ``<shop>.<secret>``; only the secret's hash is stored.

K-1 A process remembers a key it has checked for :data:`KEY_CACHE_SECONDS`, so a request
with a known key costs no lookup in the graph. A key therefore works in every process for at
most that long after it stops existing (its shop dropped); a new key works at once, since
only keys found are remembered.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Final, Literal

from cachetools import TTLCache

from teamgraph.errors import AuthError, ValidationError
from teamgraph.shop.base import ShopBase

Role = Literal["merchant", "analyst", "distributor"]
ROLES: tuple[Role, ...] = ("merchant", "analyst", "distributor")


@dataclass(frozen=True)
class Principal:
    """Who a key speaks for: a role in one shop, and for ``distributor`` keys its id; the
    key's public id (:func:`key_ref`) and name, which the audit log records as the actor."""

    shop: str
    role: Role
    distributor_id: str | None = None
    key_id: str | None = field(default=None, compare=False)
    name: str | None = field(default=None, compare=False)

    @property
    def actor(self) -> Actor:
        """This key as the actor of a decision (the audit log's ``actor_key`` and ``actor``)."""
        return Actor(self.key_id, self.name or self.role)


@dataclass(frozen=True)
class Actor:
    """Who made a decision, as a ``Change`` records it: ``actor_key`` is the public id of the
    key that asked (None for the program itself: an automatic approval, the risk engine's
    hold, the catch-up), ``actor`` a name to show (the key's name, else its role; for the
    program a fixed word such as ``auto`` or ``risk-engine``)."""

    key_id: str | None
    name: str

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(None, name)

    def params(self) -> dict[str, str | None]:
        """The statement parameters a ``Change`` takes its actor from."""
        return {"actor": self.name, "actor_key": self.key_id}


def key_ref(digest: str) -> str:
    """A key's public id: ``key_`` and the first 16 hex digits of its secret's hash. It names the
    key in lists, the audit log and revocation, and cannot be used to authenticate."""
    return f"key_{digest[:16]}"


KEY_CACHE_SECONDS: Final = 5.0
"""How long a process trusts a key it has found (K-1)."""

_known: TTLCache[tuple[str, str], Principal] = TTLCache(maxsize=10_000, ttl=KEY_CACHE_SECONDS)
_known_lock = threading.Lock()


def key_digest(secret: str) -> str:
    """What is stored of a secret (a key's, a center link's): its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(key: str) -> tuple[str, str]:
    """A key reads ``<shop>.<secret>``: the shop part tells which graph holds its hash."""
    shop, sep, secret = key.partition(".")
    if not sep or not secret:
        raise AuthError("auth.invalid_key", "the key is malformed")
    return shop, secret


class Keys(ShopBase):
    """Part of Shop: its API keys."""

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
            id=key_digest(secret),
            role=role,
            distributor_id=distributor_id,
            now=self._now(now),
        )
        return f"{self.id}.{secret}"

    def remembered(self, key: str) -> Principal | None:
        """Whom ``key`` speaks for if this process found it within the last
        :data:`KEY_CACHE_SECONDS` (K-1); None otherwise. Reads nothing from the engine."""
        shop, secret = split_key(key)
        if shop != self.id:
            raise AuthError("auth.invalid_key", "the key does not belong to this shop")
        with _known_lock:
            return _known.get((self.id, key_digest(secret)))

    def forget(self, key: str) -> None:
        """Drop ``key`` from this process's memory (K-1): a key just ended stops here at once."""
        shop, secret = split_key(key)
        with _known_lock:
            _known.pop((shop, key_digest(secret)), None)

    def authenticate(self, key: str, *, now: int | None = None) -> Principal:
        known = self.remembered(key)
        if known is not None:
            return known
        digest = key_digest(split_key(key)[1])
        rows = self.store.read("key.get", id=digest, now=self._now(now))
        if not rows:
            raise AuthError("auth.invalid_key", "unknown key")
        row = rows[0]
        principal = Principal(
            self.id, row["role"], row["distributor_id"], key_ref(digest), row.get("name")
        )
        with _known_lock:
            _known[(self.id, digest)] = principal
        return principal
