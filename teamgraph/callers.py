"""Who is calling: a key resolved to its shop and principal, and the role checks, once.

The API (``api/deps.py``) and the UI (``dashboards/context.py``) both take a key from their
caller — a bearer header, a log-in form — and need the same two answers: which shop it opens
and whom it speaks for, and whether that role may do what is asked. Both come from here, so
the two entry points cannot drift apart (a key refused by one and accepted by the other).

- :func:`resolve` turns a key into a :class:`Caller`: ``auth.missing_key`` without a key,
  ``auth.invalid_key`` for a malformed, unknown or foreign key (the same answer whether or not
  the shop exists, so a key reveals nothing about other shops);
- :meth:`Caller.require` admits only given roles (``auth.forbidden`` otherwise);
  :data:`MERCHANT`, :data:`READERS` and :data:`EVERYONE` are the role sets the API and the pages
  grant (docs/api.md "Authentication and roles": the merchant does everything, the analyst reads, a
  distributor key sees only its own distributor);
- :meth:`Caller.may_read_distributor` confines a distributor key to its own id.

Imports ``teamgraph.shop`` and ``graph``'s ``Engine``; both entry points import this module,
it imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from teamgraph.errors import AuthError, Forbidden, ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Actor, Principal, Role, Shop, split_key

MERCHANT: tuple[Role, ...] = ("merchant",)
"""Changing the shop: settings, events, relationships, the withdrawal review."""
READERS: tuple[Role, ...] = ("merchant", "analyst")
"""Reading the whole shop (and the analyst's risk actions)."""
EVERYONE: tuple[Role, ...] = get_args(Role)
"""Every role; a distributor key then sees only its own distributor."""

OWN_DISTRIBUTOR_ONLY = "a distributor key reads only its own distributor"


@dataclass(frozen=True)
class Caller:
    """A resolved key: the shop it opens and the principal it speaks for."""

    shop: Shop
    principal: Principal

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def distributor_id(self) -> str | None:
        """The distributor a ``distributor`` key is bound to; ``None`` for the other roles."""
        return self.principal.distributor_id

    @property
    def actor(self) -> Actor:
        """This caller as the audit log records it (key id and name)."""
        return self.principal.actor

    @property
    def is_distributor(self) -> bool:
        return self.principal.role == "distributor"

    def allows(self, *roles: Role) -> bool:
        """Whether this caller's role is one of ``roles``."""
        return self.principal.role in roles

    def require(self, *roles: Role) -> Caller:
        """This caller if its role is one of ``roles``; :class:`Forbidden` otherwise."""
        if not self.allows(*roles):
            raise Forbidden(
                "auth.forbidden",
                f"{'an' if self.role == 'analyst' else 'a'} {self.role} key may not do this "
                f"(needs {'/'.join(roles)})",
            )
        return self

    def reads_distributor(self, distributor_id: str) -> bool:
        """Merchant and analyst keys read any distributor; a distributor key only its own."""
        return not self.is_distributor or self.distributor_id == distributor_id

    def may_read_distributor(
        self, distributor_id: str, *, refusal: str = OWN_DISTRIBUTOR_ONLY
    ) -> Caller:
        """This caller if it may read ``distributor_id``'s data (:meth:`reads_distributor`);
        :class:`Forbidden` ``auth.forbidden`` with ``refusal`` as its message otherwise."""
        if not self.reads_distributor(distributor_id):
            raise Forbidden("auth.forbidden", refusal)
        return self


def _shop_of(engine: Engine, key: str | None, missing: str) -> tuple[Shop, str]:
    """The shop ``key`` names, refusing a key by its form alone (no engine read)."""
    if not key:
        raise AuthError("auth.missing_key", missing)
    shop_id, _ = split_key(key)
    try:
        return Shop(engine.open(shop_id)), key
    except ValidationError:  # an id that cannot name a shop cannot be a key
        raise AuthError("auth.invalid_key", "unknown key") from None


def remembered(engine: Engine, key: str | None, *, missing: str = "send a key") -> Caller | None:
    """What :func:`resolve` answers, when that needs nothing from the engine (a key this
    process found a moment ago, or one refused on its form alone); None when it would read."""
    shop, key = _shop_of(engine, key, missing)
    principal = shop.remembered(key)
    return None if principal is None else Caller(shop, principal)


def resolve(engine: Engine, key: str | None, *, missing: str = "send a key") -> Caller:
    """The shop ``key`` opens on ``engine`` and whom it speaks for.

    :class:`AuthError` ``auth.missing_key`` (with ``missing`` as the message, which tells the
    caller where a key goes) for no key or an empty one, ``auth.invalid_key`` for a malformed or
    unknown key — a key whose shop part cannot name a shop is refused before the graph is
    reached. The key is taken as given: an entry point trims what its users type.
    """
    shop, key = _shop_of(engine, key, missing)
    return Caller(shop, shop.authenticate(key))


__all__ = ["EVERYONE", "MERCHANT", "READERS", "Caller", "remembered", "resolve"]
