"""What pages reach instead of the app: the process's engine and the caller a key resolves to.

``create_app(engine)`` installs the engine here once; page callbacks call :func:`caller` with
the key from the ``session`` store and get a :class:`~teamgraph.callers.Caller` (its ``shop``,
its ``principal``, the role checks), resolved by :mod:`teamgraph.callers` exactly as the API
resolves a bearer key. Pages therefore never import the app.
"""

from __future__ import annotations

from teamgraph import callers
from teamgraph.callers import Caller
from teamgraph.errors import EngineError
from teamgraph.graph import Engine

_engine: Engine | None = None
_private_urls = False


def install(engine: Engine, *, webhooks_private_urls: bool = False) -> None:
    """Make ``engine`` the one the pages use (called by ``create_app``), and say whether webhook
    endpoints may be on this machine or a private network (``TEAMGRAPH_WEBHOOKS_PRIVATE_URLS``)."""
    global _engine, _private_urls
    _engine = engine
    _private_urls = webhooks_private_urls


def webhooks_private_urls() -> bool:
    return _private_urls


def engine() -> Engine:
    if _engine is None:
        raise EngineError("ui.no_engine", "the UI has no graph engine; start it with create_app")
    return _engine


def caller(key: str | None) -> Caller:
    """The shop a key opens and who it speaks for (the key as typed, trimmed);
    :class:`AuthError` for a missing, malformed or unknown key (the same answer whether or not
    the shop exists, as in the API)."""
    return callers.resolve(engine(), key.strip() if key else None, missing="enter a key")
