"""API keys of a shop: roles, who a key speaks for (:class:`Principal`), creating a key and
checking one. A key reads ``<shop>.<secret>``; only the secret's hash is stored.

K-1 A process remembers a key it has checked for :data:`KEY_CACHE_SECONDS` (one second), so
most requests with a known key cost no lookup in the graph (at most one per key per second per
process). A key therefore works in every process for at most that long after it stops: revoked
(:meth:`Keys.revoke_key`), past its end (a center session, a rotated key's overlap window) or
its shop dropped; the process that revokes it forgets it at once. A new key works at once,
since only keys found are remembered.

K-6 A key's ``last_used_at`` is written when a lookup (at most one a second per process, K-1)
finds it older than :data:`LAST_USE_GRANULARITY_MS` (a minute): a key's last use is known to
the minute, and a busy key costs one small write a minute, not one per request.

Key management (issue 16): :meth:`Keys.create_key`, :meth:`Keys.keys`,
:meth:`Keys.revoke_key` and :meth:`Keys.rotate_key`; each writes its audit ``Change``
(``key.create``, ``key.revoke``, ``key.rotate``) in the same statement. A key's public id is
:func:`key_ref` of its hash; a rotation makes a new key (a new id, same name, role and
distributor) and keeps the old one working for the overlap window.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cachetools import TTLCache

from teamgraph import logs
from teamgraph.errors import AuthError, Conflict, EngineError, NotFound, ValidationError
from teamgraph.shop import cursors
from teamgraph.shop.actors import Actor
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


def key_ref(digest: str) -> str:
    """A key's public id: ``key_`` and the first 16 hex digits of its secret's hash. It names the
    key in lists, the audit log and revocation, and cannot be used to authenticate."""
    return f"key_{digest[:16]}"


KEY_CACHE_SECONDS: Final = 1.0
"""How long a process trusts a key it has found (K-1): a revoked key is refused in every
process within this long."""
LAST_USE_GRANULARITY_MS: Final = 60_000
"""How stale a key's ``last_used_at`` may be before a lookup writes it again (K-6)."""
DEFAULT_OVERLAP_S: Final = 24 * 3600
"""How long a rotated key keeps working by default, in seconds."""
MAX_OVERLAP_S: Final = 7 * 24 * 3600
"""The longest overlap window a rotation may ask for (a week)."""
NAME_MAX: Final = 100
"""The longest key name."""
_PUBLIC_ID = "key_"

_known: TTLCache[tuple[str, str], Principal] = TTLCache(maxsize=10_000, ttl=KEY_CACHE_SECONDS)
_known_lock = threading.Lock()


def key_digest(secret: str) -> str:
    """What is stored of a secret (a key's, a center link's): its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(key: str) -> tuple[str, str]:
    """A key reads ``<shop>.<secret>``: the shop part tells which graph holds its hash."""
    shop, sep, secret = key.partition(".")
    if not sep or not secret:
        raise AuthError("auth.invalid_key", "the key is malformed", params={"variant": "malformed"})
    return shop, secret


class Keys(ShopBase):
    """Part of Shop: its API keys."""

    def create_key(
        self,
        role: str,
        distributor_id: str | None = None,
        *,
        name: str | None = None,
        actor: Actor | None = None,
        now: int | None = None,
    ) -> str:
        """A new API key; only its hash is stored. Returned once, never shown again. The
        ``key.create`` Change names ``actor`` (the program's ``cli`` when none is given)."""
        return self.new_key(role, distributor_id, name=name, actor=actor, now=now)[0]

    def new_key(
        self,
        role: str,
        distributor_id: str | None = None,
        *,
        name: str | None = None,
        actor: Actor | None = None,
        now: int | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """:meth:`create_key`, and the new key's record as :meth:`keys` lists it."""
        if role not in ROLES:
            raise ValidationError("key.role", f"role is one of {', '.join(ROLES)}", field="role")
        if (role == "distributor") != (distributor_id is not None):
            raise ValidationError(
                "key.distributor",
                "a distributor key names its distributor, and only it does",
                field="distributor_id",
            )
        _check_name(name)
        now = self._now(now)
        secret = secrets.token_urlsafe(24)
        digest = key_digest(secret)
        record = {"name": name, "role": role, "distributor_id": distributor_id}
        self.store.write(
            "key.create",
            id=digest,
            role=role,
            distributor_id=distributor_id,
            name=name,
            now=now,
            ref=key_ref(digest),
            after=json.dumps(record, ensure_ascii=False),
            change_id=uuid.uuid4().hex,
            **(actor or Actor.system("cli")).params(),
        )
        return f"{self.id}.{secret}", self.key(key_ref(digest), now=now)

    def keys(
        self,
        *,
        ended: bool = False,
        limit: int = 50,
        cursor: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """The shop's keys, newest first (docs/api.md "Keys"): those that work now, or with
        ``ended`` also the revoked and expired ones. Never a secret or a hash."""
        now = self._now(now)
        after = cursors.decode("keys", cursor, int, str)
        rows = self.store.read(
            "key.list",
            ended=ended,
            now=now,
            after_at=None if after is None else after[0],
            after_prefix=None if after is None else after[1].removeprefix(_PUBLIC_ID),
            limit=limit + 1,
        )
        items = [_record(r, now) for r in rows[:limit]]
        more = len(rows) > limit
        last = items[-1] if items else None
        return {
            "items": items,
            "next_cursor": cursors.encode("keys", last["created_at"] or 0, last["id"])
            if more and last
            else None,
        }

    def key(self, key_id: str, *, now: int | None = None) -> dict[str, Any]:
        """One key's record by its public id; 404 ``key.not_found`` otherwise."""
        return _record(self._find_key(key_id), self._now(now))

    def revoke_key(
        self,
        key_id: str,
        *,
        actor: Actor,
        reason: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """Revoke a key (a center session too): refused in this process at once, in every
        other within :data:`KEY_CACHE_SECONDS` (K-1). Idempotent: revoking a revoked key
        answers it as it is. A key may not revoke itself (409 ``key.self``): the merchant would
        lock out the caller it is using; revoke it with another merchant key or the CLI."""
        now = self._now(now)
        row = self._find_key(key_id)
        if actor.key_id is not None and actor.key_id == key_id:
            raise Conflict(
                "key.self",
                "a key may not revoke itself: use another merchant key (or `teamgraph key "
                "revoke`), or rotate it",
                field="id",
            )
        self.store.write(
            "key.revoke",
            prefix=_prefix(key_id),
            ref=key_id,
            now=now,
            reason=reason,
            before=json.dumps(_audited(row), ensure_ascii=False),
            change_id=uuid.uuid4().hex,
            **actor.params(),
        )
        _forget_digest(self.id, row["digest"])
        return self.key(key_id, now=now)

    def rotate_key(
        self,
        key_id: str,
        *,
        actor: Actor,
        overlap_s: int = DEFAULT_OVERLAP_S,
        reason: str | None = None,
        now: int | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """A new secret for the key's name, role and distributor (a new key id); the old
        secret keeps working for ``overlap_s`` seconds (0: it stops at once, K-1). Returns the
        new key (shown once) and its record. 409 ``key.revoked`` / ``key.ended`` /
        ``key.rotated`` for a key that is revoked, past its end or already rotated, and
        ``key.session`` for a distributor center's session (it ends with the session)."""
        if isinstance(overlap_s, bool) or not 0 <= overlap_s <= MAX_OVERLAP_S:
            raise ValidationError(
                "key.overlap",
                f"overlap_s is 0..{MAX_OVERLAP_S} seconds (a week)",
                field="overlap_s",
            )
        now = self._now(now)
        row = self._find_key(key_id)
        _check_rotatable(row, now)
        secret = secrets.token_urlsafe(24)
        digest = key_digest(secret)
        new_ref = key_ref(digest)
        before = _audited(row)
        old_until = now + overlap_s * 1000
        after = {"new_key": new_ref, "overlap_s": overlap_s, "old_expires_at": old_until}
        rows = self.store.write(
            "key.rotate",
            prefix=_prefix(key_id),
            ref=key_id,
            id=digest,
            new_ref=new_ref,
            now=now,
            old_until=old_until,
            reason=reason,
            before=json.dumps(before, ensure_ascii=False),
            after=json.dumps(after, ensure_ascii=False),
            change_id=uuid.uuid4().hex,
            **actor.params(),
        )
        if not rows:  # another change came first: say which
            _check_rotatable(self._find_key(key_id), now)
            raise Conflict("key.rotated", f"{key_id} was changed meanwhile", field="id")
        if overlap_s == 0:
            _forget_digest(self.id, row["digest"])
        return f"{self.id}.{secret}", self.key(new_ref, now=now)

    def _find_key(self, key_id: str) -> dict[str, Any]:
        rows = self.store.read("key.find", prefix=_prefix(key_id)) if _is_ref(key_id) else []
        if not rows:
            raise NotFound("key.not_found", f"no key {key_id}", params={"id": key_id}, field="id")
        return rows[0]

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
        _forget_digest(shop, key_digest(secret))

    def authenticate(self, key: str, *, now: int | None = None) -> Principal:
        known = self.remembered(key)
        if known is not None:
            return known
        now = self._now(now)
        digest = key_digest(split_key(key)[1])
        rows = self.store.read("key.get", id=digest, now=now)
        if not rows:
            raise AuthError("auth.invalid_key", "unknown key")
        row = rows[0]
        principal = Principal(
            self.id, row["role"], row["distributor_id"], key_ref(digest), row.get("name")
        )
        last = row.get("last_used_at")
        if last is None or now - last >= LAST_USE_GRANULARITY_MS:
            self._touch(digest, now)
        with _known_lock:
            _known[(self.id, digest)] = principal
        return principal

    def _touch(self, digest: str, now: int) -> None:
        """K-6: record the key's last use; a failure to record it never refuses the key."""
        try:
            self.store.write("key.touch", id=digest, now=now, stale=now - LAST_USE_GRANULARITY_MS)
        except EngineError as e:  # the next lookup tries again
            logs.get(__name__).warning("key.touch_failed", error=str(e))


def _forget_digest(shop: str, digest: str) -> None:
    with _known_lock:
        _known.pop((shop, digest), None)


def _is_ref(key_id: str) -> bool:
    hexpart = key_id.removeprefix(_PUBLIC_ID)
    return (
        key_id.startswith(_PUBLIC_ID)
        and len(hexpart) == 16
        and all(c in "0123456789abcdef" for c in hexpart)
    )


def _prefix(key_id: str) -> str:
    return key_id.removeprefix(_PUBLIC_ID)


def _check_name(name: str | None) -> None:
    if name is not None and (
        not name.strip() or len(name) > NAME_MAX or any(ord(c) < 32 or ord(c) == 127 for c in name)
    ):
        raise ValidationError(
            "key.name",
            f"a key's name is 1..{NAME_MAX} printable characters",
            field="name",
        )


def _check_rotatable(row: dict[str, Any], now: int) -> None:
    ref = key_ref(row["digest"])
    if row["via"] is not None:
        raise Conflict(
            "key.session", f"{ref} is a distributor center's session: revoke it", field="id"
        )
    if row["revoked_at"] is not None:
        raise Conflict("key.revoked", f"{ref} is revoked", field="id")
    if row["rotated_to"] is not None:
        raise Conflict(
            "key.rotated",
            f"{ref} was rotated already: rotate its successor {row['rotated_to']}",
            field="id",
        )
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise Conflict("key.ended", f"{ref} has ended", field="id")


def _status(row: dict[str, Any], now: int) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if row["expires_at"] is not None:
        return "expiring" if row["expires_at"] > now else "expired"
    return "active"


def _record(row: dict[str, Any], now: int) -> dict[str, Any]:
    """A key as lists show it: its public id, never its hash."""
    return {
        "id": key_ref(row["digest"]),
        "name": row["name"],
        "role": row["role"],
        "distributor_id": row["distributor_id"],
        "status": _status(row, now),
        "center_session": row["via"] == "center",
        "created_at": row["created_at"],
        "last_used_at": row["last_used_at"],
        "expires_at": row["expires_at"],
        "revoked_at": row["revoked_at"],
        "rotated_from": row["rotated_from"],
        "rotated_to": row["rotated_to"],
    }


def _audited(row: dict[str, Any]) -> dict[str, Any]:
    """What a key's Change records of it (its public fields, never its hash)."""
    return {
        "name": row["name"],
        "role": row["role"],
        "distributor_id": row["distributor_id"],
        "center_session": row["via"] == "center",
    }
