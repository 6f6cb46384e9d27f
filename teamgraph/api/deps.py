"""Dependencies: the engine of the process, and the caller its bearer key resolves to.

The key is resolved and the roles are checked by :mod:`teamgraph.callers`, as the UI does; the
aliases below only say where the key comes from (the ``Authorization`` header, which also puts
the bearer scheme into the OpenAPI document) and which check a route needs. Routes take one
:class:`~teamgraph.callers.Caller` and use ``caller.shop`` and ``caller.principal``.

The dependencies are ``async``: FastAPI runs a plain ``def`` dependency on a worker thread, and
each hop adds to every keyed call. Resolving a key reads the engine only when this process has
not seen the key in the last second (K-1); only then does it go to a worker thread. Routes,
which read the engine, stay plain ``def``.

:data:`ANSWERS` says which error statuses a route can answer because it uses a dependency
below (the engine: 503 while it does not answer; a key: 401; a role check: 403); the OpenAPI
document lists them for every operation that uses it (:mod:`teamgraph.api.openapi`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from teamgraph import callers
from teamgraph.callers import Caller
from teamgraph.graph import Engine
from teamgraph.shop import Role

_bearer = HTTPBearer(auto_error=False, description="A shop key: `teamgraph key create`")

ANSWERS: dict[Callable[..., Any], frozenset[int]] = {}
"""The error statuses a route can answer through each dependency (see the module's doc)."""

F = TypeVar("F", bound=Callable[..., Any])


def _answers(*statuses: int) -> Callable[[F], F]:
    def mark(dependency: F) -> F:
        ANSWERS[dependency] = frozenset(statuses)
        return dependency

    return mark


@_answers(503)
async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


@_answers(401)
async def _caller(
    engine: EngineDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    key = creds.credentials if creds is not None and creds.scheme.lower() == "bearer" else None
    missing = "send `Authorization: Bearer <key>`"
    caller = callers.remembered(engine, key, missing=missing)  # most requests: no engine read
    if caller is None:
        caller = await run_in_threadpool(callers.resolve, engine, key, missing=missing)
    return caller


CallerDep = Annotated[Caller, Depends(_caller)]
"""Any valid key of the shop; 401 ``auth.missing_key`` / ``auth.invalid_key`` otherwise."""


def require(*roles: Role) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency admitting only ``roles``; 403 ``auth.forbidden`` otherwise."""

    @_answers(403)
    async def check(caller: CallerDep) -> Caller:
        return caller.require(*roles)

    return check


MerchantDep = Annotated[Caller, Depends(require(*callers.MERCHANT))]
ReaderDep = Annotated[Caller, Depends(require(*callers.READERS))]


@_answers(403)
async def _distributor_reader(distributor_id: str, caller: CallerDep) -> Caller:
    """Team views: merchant and analyst read any distributor, a distributor key only its own."""
    return caller.may_read_distributor(distributor_id)


DistributorReaderDep = Annotated[Caller, Depends(_distributor_reader)]
"""For routes under ``/v1/distributors/{distributor_id}``: the id in the path is checked."""
