"""What pages reach instead of the app: the process's engine and the caller's shop.

``create_app(engine)`` installs the engine here once; page callbacks call :func:`shop_for`
with the key from the ``session`` store. Pages therefore never import the app (STYLE.md 11).
"""

from __future__ import annotations

from teamgraph.errors import AuthError, EngineError, ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Principal, Shop, split_key

_engine: Engine | None = None


def install(engine: Engine) -> None:
    """Make ``engine`` the one the pages use (called by ``create_app``)."""
    global _engine
    _engine = engine


def engine() -> Engine:
    if _engine is None:
        raise EngineError("ui.no_engine", "the UI has no graph engine; start it with create_app")
    return _engine


def shop_for(key: str | None) -> tuple[Shop, Principal]:
    """The shop a key opens and who it speaks for; :class:`AuthError` for a missing, malformed
    or unknown key (the same answer whether or not the shop exists, as in the API)."""
    if not key or not key.strip():
        raise AuthError("auth.missing_key", "enter a key")
    key = key.strip()
    shop_id, _ = split_key(key)
    try:
        shop = Shop(engine().open(shop_id))
    except ValidationError:  # an id that cannot name a shop cannot be a key
        raise AuthError("auth.invalid_key", "unknown key") from None
    return shop, shop.authenticate(key)
